import type { Knex } from 'knex';

type Wake = () => void;

/** What a wait in this process is woken by: any push to its queues, or only a delayed one (a sleeping worker). */
export type LocalWaitKind = 'push' | 'delayed';

interface LocalWait {
  readonly queues: ReadonlySet<string>;
  readonly kind: LocalWaitKind;
}

/**
 * Waits in this process on a jobs table: a push from the same process ends them at once (SQLite, MySQL: there is
 * no NOTIFY), a delayed push or a release from it makes a sleeping worker read the due times again (every
 * dialect); pushes from other processes are found by the wait's poll. Keyed by the knex instance and the table.
 * A wait is woken as often as that happens, until it unregisters.
 */
const waits = new WeakMap<Knex, Map<string, Map<Wake, LocalWait>>>();

export function addLocalWait(knex: Knex, table: string, queues: ReadonlySet<string>, wake: Wake, kind: LocalWaitKind = 'push'): () => void {
  let tables = waits.get(knex);
  if (!tables) waits.set(knex, (tables = new Map()));
  let waiting = tables.get(table);
  if (!waiting) tables.set(table, (waiting = new Map()));
  const set = waiting;
  set.set(wake, { queues, kind });
  return () => void set.delete(wake);
}

/** A push (`delayed`: one that is not available at once, or a release) to `queue` from this process. */
export function wakeLocal(knex: Knex, table: string, queue: string, delayed = false): void {
  const waiting = waits.get(knex)?.get(table);
  if (!waiting || waiting.size === 0) return;
  for (const [wake, wait] of [...waiting]) {
    if (wait.queues.has(queue) && (delayed || wait.kind === 'push')) wake();
  }
}
