import type { QueueSizes } from '../queue-driver.interface';

/** One reservation of a job row: the row and the attempts it was reserved with (raised on every reserve). */
export interface Reservation {
  readonly id: string;
  readonly attempts: number;
}

/** A row handed out by a reserve: which of the asked queues (index), and its raised attempts. */
export interface ReservedRow extends Reservation {
  readonly queueIndex: number;
  readonly payload: string;
}

/** What a reserve took, and (where the dialect reads it in the same statement) when the next row is due. */
export interface Reserved {
  readonly rows: ReservedRow[];
  /**
   * Read when fewer rows than asked were found (PostgreSQL): the earliest time after `now` a row of the queues can
   * be taken (a delayed job, another worker's lease), null when there is none; undefined when not read.
   */
  readonly due?: number | null;
}

/** A job row to insert: its queue, payload and when it can be taken (epoch ms). */
export interface NewJobRow {
  readonly queue: string;
  readonly payload: string;
  readonly availableAt: number;
}

/** One SQL statement with `?` placeholders, for a caller's own transaction. */
export interface SqlStatement {
  readonly sql: string;
  readonly bindings: readonly unknown[];
}

/**
 * The SQL of the jobs table in one dialect. Times are epoch ms passed in by the driver; every method is one
 * statement or one transaction, so each is atomic against other workers and processes.
 */
export interface JobRows {
  /** Inserts the rows in order, all or none (one statement, or one transaction of multi-row statements). */
  insert(rows: readonly NewJobRow[], now: number): Promise<void>;
  /**
   * The inserts of the rows as statements for the caller's open transaction (the outbox), in order: multi-row
   * statements, each within the database's limit of placeholders per statement.
   */
  insertStatements(rows: readonly NewJobRow[], now: number): SqlStatement[];
  /**
   * Deletes the acked reservations, then reserves up to `count` rows that can be taken (`available_at <= now`),
   * the queues strictly in order, oldest due first; each reserved row gets attempts + 1 and available_at = leaseUntil.
   */
  reserve(queues: readonly string[], count: number, acks: readonly Reservation[], now: number, leaseUntil: number): Promise<Reserved>;
  ack(reservation: Reservation): Promise<void>;
  /** Puts a reserved row back, available at `availableAt`; false when that reservation is no longer held. */
  release(reservation: Reservation, queue: string, availableAt: number): Promise<boolean>;
  /** Moves the lease of each held reservation to `leaseUntil`; resolves to the keys (`id:attempts`) still held. */
  extend(reservations: readonly Reservation[], leaseUntil: number): Promise<Set<string>>;
  sizes(queue: string, now: number): Promise<QueueSizes>;
  clear(queue: string): Promise<number>;
  /** The earliest time a row of these queues can be taken (a due delay, a lapsing lease), or null when none. */
  nextDue(queues: readonly string[]): Promise<number | null>;
  /**
   * The earliest time a row of these queues that did not become available at its push (`available_at >
   * created_at`: a delayed job, a released one, a reservation's lease) can be taken, or null when there is none:
   * what a sleeping worker waits for. Per queue, the index is walked in due order to the first such row.
   */
  nextDelayedDue(queues: readonly string[]): Promise<number | null>;
}

export const reservationKey = (r: Reservation): string => `${r.id}:${r.attempts}`;

/**
 * nextDelayedDue's statement for `queues` queues of `table` (SQLite, MySQL; one `?` per queue): per queue the first
 * row in due order that did not become available at its push, the earliest of them.
 */
export function nextDelayedDueSql(table: string, queues: number): string {
  const first = `(SELECT available_at FROM ${table} WHERE queue = ? AND available_at > created_at ORDER BY available_at LIMIT 1)`;
  return `SELECT MIN(d) AS due FROM (${Array.from({ length: queues }, () => `SELECT ${first} AS d`).join(' UNION ALL ')}) firsts`;
}

/**
 * Splits rows into chunks of at most `maxRows` rows and (unless one row alone is larger) `maxBytes` characters of
 * payload, in order: each chunk is one multi-row INSERT.
 */
export function chunkRows<T extends { readonly payload: string }>(rows: readonly T[], maxRows: number, maxBytes = Infinity): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (current.length > 0 && (current.length >= maxRows || bytes + row.payload.length > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.payload.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
