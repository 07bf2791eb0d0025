import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export const POLL_MS = 3000;

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Fetches again now (after an action). */
  reload: () => void;
}

/**
 * Loads `load()` now and again every `intervalMs` while the tab is visible (Horizon refreshes its pages the same
 * way); stops while hidden, reloads when it shows again; a new `key` (route params, page) loads afresh. One request at
 * a time: a slow server is never asked again before it answered.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, key: string, intervalMs: number | null = POLL_MS): Polled<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({ key, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | undefined;
    let again = false;
    setState((s) => (s.key === key ? s : { key, loading: true }));

    const schedule = (): void => {
      if (stopped || intervalMs === null || document.visibilityState === 'hidden') return;
      clearTimeout(timer);
      timer = setTimeout(run, intervalMs);
    };
    const run = (): void => {
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      clearTimeout(timer);
      const controller = new AbortController();
      inFlight = controller;
      loadRef.current(controller.signal).then(
        (data) => {
          if (!stopped) setState({ key, data, loading: false });
        },
        (error: unknown) => {
          if (stopped || controller.signal.aborted) return;
          setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false }));
        },
      ).finally(() => {
        if (inFlight === controller) inFlight = undefined;
        if (again) {
          again = false;
          run();
        } else schedule();
      });
    };
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') run();
      else clearTimeout(timer);
    };
    kick.current = run;
    document.addEventListener('visibilitychange', onVisibility);
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key, intervalMs]);

  const reload = useCallback(() => kick.current(), []);
  const current = state.key === key ? state : { loading: true, data: undefined, error: undefined };
  return { data: current.data, error: current.error, loading: current.loading, reload };
}
