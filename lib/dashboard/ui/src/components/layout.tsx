import type { ComponentChildren, JSX } from 'preact';
import { Link } from '../router';

const NAV: { to: string; label: string; section: string }[] = [
  { to: '/dashboard', label: 'Dashboard', section: 'dashboard' },
  { to: '/monitoring', label: 'Monitoring', section: 'monitoring' },
  { to: '/metrics/jobs', label: 'Metrics', section: 'metrics' },
  { to: '/batches', label: 'Batches', section: 'batches' },
  { to: '/jobs/pending', label: 'Pending Jobs', section: 'jobs/pending' },
  { to: '/jobs/completed', label: 'Completed Jobs', section: 'jobs/completed' },
  { to: '/jobs/silenced', label: 'Silenced Jobs', section: 'jobs/silenced' },
  { to: '/failed', label: 'Failed Jobs', section: 'failed' },
];

export function Layout({ section, children }: { section: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="layout">
      <aside class="sidebar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>
          <span>Queue Dashboard</span>
        </div>
        <nav class="nav" aria-label="Pages">
          {NAV.map((item) => (
            <Link key={item.to} to={item.to} class={item.section === section ? 'nav-item active' : 'nav-item'} aria-current={item.section === section ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
      </aside>
      <main class="content">{children}</main>
    </div>
  );
}

export function PageTitle({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }): JSX.Element {
  return (
    <div class="page-title">
      <h1>{children}</h1>
      {actions && <div class="page-actions">{actions}</div>}
    </div>
  );
}
