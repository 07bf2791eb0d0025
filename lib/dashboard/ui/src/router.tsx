import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { config } from './config';

/** The client route under the dashboard's base path: `/horizon/jobs/pending?x=1` → `/jobs/pending`. */
export function currentRoute(): string {
  const path = decodeURI(window.location.pathname);
  const rest = path.startsWith(config.basePath) ? path.slice(config.basePath.length) : path;
  const route = rest.replace(/\/+$/, '');
  return route === '' ? '/' : route;
}

const listeners = new Set<() => void>();

export function navigate(route: string, replace = false): void {
  const href = config.basePath + (route === '/' ? '' : route);
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = (): void => setRoute(currentRoute());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return route;
}

/** Matches `/metrics/:type/:slug` against a route; params are decoded. */
export function match(pattern: string, route: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = route.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

/** Builds a route from segments, encoding each (tags and job names can hold `/`, `:` or spaces). */
export function route(...segments: string[]): string {
  return '/' + segments.map((s, i) => (i === 0 ? s.replace(/^\//, '') : encodeURIComponent(s))).join('/');
}

interface LinkProps {
  to: string;
  children?: ComponentChildren;
  class?: string;
  title?: string;
  role?: 'tab';
  'aria-current'?: 'page';
  'aria-selected'?: boolean;
}

export function Link({ to, children, ...rest }: LinkProps): JSX.Element {
  const onClick = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={config.basePath + (to === '/' ? '' : to)} onClick={onClick}>
      {children}
    </a>
  );
}
