import type { ComponentChildren, JSX } from 'preact';

export function Card({ title, actions, children, id }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; id?: string }): JSX.Element {
  return (
    <section class="card" id={id}>
      {(title || actions) && (
        <header class="card-header">
          <h2>{title}</h2>
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ComponentChildren }): JSX.Element {
  return <p class="empty">{children}</p>;
}

export function Loading(): JSX.Element {
  return <p class="loading">Loading…</p>;
}

export function ErrorBox({ error }: { error: Error }): JSX.Element {
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

const STATUS_CLASS: Record<string, string> = {
  running: 'ok',
  completed: 'ok',
  finished: 'ok',
  paused: 'warn',
  pending: 'info',
  reserved: 'info',
  inactive: 'bad',
  failed: 'bad',
  cancelled: 'bad',
};

export function Badge({ status, label }: { status: string; label?: string }): JSX.Element {
  return <span class={`badge badge-${STATUS_CLASS[status] ?? 'info'}`}>{label ?? status}</span>;
}

export function Tags({ tags }: { tags: readonly string[] | undefined }): JSX.Element | null {
  if (!tags || tags.length === 0) return null;
  const shown = tags.slice(0, 5);
  return (
    <span class="tags">
      {shown.map((tag) => (
        <span class="tag" key={tag} title={tag}>
          {tag.length > 40 ? `${tag.slice(0, 40)}…` : tag}
        </span>
      ))}
      {tags.length > shown.length && <span class="tag more">+{tags.length - shown.length}</span>}
    </span>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: ComponentChildren }): JSX.Element {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
