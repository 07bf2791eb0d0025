import type { JSX } from 'preact';
import { number } from '../format';

import { PER_PAGE } from '../paging';

export { PER_PAGE, startingAt } from '../paging';

export function Pager({ page, total, onPage }: { page: number; total: number; onPage: (page: number) => void }): JSX.Element | null {
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  if (pages <= 1 && page <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ Previous
      </button>
      <span class="pager-info">
        Page {number(page)} of {number(pages)}
      </span>
      <button type="button" class="btn" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next ›
      </button>
    </nav>
  );
}
