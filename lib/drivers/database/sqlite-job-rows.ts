import type { Knex } from 'knex';
import type { QueueSizes } from '../queue-driver.interface';
import type { JobRows, NewJobRow, Reservation, Reserved, ReservedRow, SqlStatement } from './job-rows.interface';
import { chunkRows, nextDelayedDueSql, reservationKey } from './job-rows.interface';
import { withPooledConnection } from './raw-connection';
import { nextTurn } from '../../database/next-turn';

/** better-sqlite3, as much of it as the driver uses. */
interface Statement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): Statement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): { immediate(...args: A): R };
}

/** Rows per INSERT: SQLite binds at most 32766 variables per statement (3.32+), four per row. */
const SQLITE_ROWS_PER_INSERT = Math.floor(32766 / 4);

/** Multi-row inserts of up to this many rows are prepared once per connection; longer ones each time (the cache stays small). */
const CACHED_INSERT_ROWS = 16;

interface Row {
  id: number | bigint;
  payload: string;
  attempts: number;
}

/**
 * The jobs table on SQLite (better-sqlite3: one process writes at a time, WAL lets readers go on). A reserve is one
 * `UPDATE ... RETURNING` per queue, its acks beside it, in one IMMEDIATE transaction (the write lock taken up
 * front, so no two processes dead-lock upgrading a read lock). Statements are prepared once per connection.
 */
export class SqliteJobRows implements JobRows {
  private readonly cache = new WeakMap<SqliteDatabase, Map<string, Statement>>();
  private readonly sql: Record<'insert' | 'reserve' | 'ack' | 'release' | 'extend' | 'sizes' | 'clear', string>;

  constructor(
    private readonly knex: Knex,
    private readonly table: string,
  ) {
    const t = table;
    this.sql = {
      insert: `INSERT INTO ${t} (queue, payload, attempts, reserved_at, available_at, created_at) VALUES (?, ?, 0, NULL, ?, ?)`,
      reserve:
        `UPDATE ${t} SET reserved_at = ?, available_at = ?, attempts = attempts + 1 WHERE id IN ` +
        `(SELECT id FROM ${t} WHERE queue = ? AND available_at <= ? ORDER BY available_at, id LIMIT ?) ` +
        `RETURNING id, payload, attempts`,
      ack: `DELETE FROM ${t} WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`,
      release: `UPDATE ${t} SET reserved_at = NULL, available_at = ? WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`,
      extend: `UPDATE ${t} SET available_at = ? WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`,
      sizes:
        `SELECT COALESCE(SUM(CASE WHEN reserved_at IS NULL AND available_at <= ? THEN 1 ELSE 0 END), 0) AS ready, ` +
        `COALESCE(SUM(CASE WHEN reserved_at IS NULL AND available_at > ? THEN 1 ELSE 0 END), 0) AS delayed, ` +
        `COALESCE(SUM(CASE WHEN reserved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS reserved FROM ${t} WHERE queue = ?`,
      clear: `DELETE FROM ${t} WHERE queue = ?`,
    };
  }

  /** Runs `work` on a pooled connection, after one turn of the event loop (see nextTurn: a busy loop must yield). */
  private async run<T>(work: (db: SqliteDatabase, prepare: (sql: string) => Statement) => T): Promise<T> {
    await nextTurn();
    return withPooledConnection<SqliteDatabase, T>(this.knex, (db) => {
      let statements = this.cache.get(db);
      if (!statements) this.cache.set(db, (statements = new Map()));
      const cached = statements;
      const prepare = (sql: string): Statement => {
        let statement = cached.get(sql);
        if (!statement) cached.set(sql, (statement = db.prepare(sql)));
        return statement;
      };
      return work(db, prepare);
    });
  }

  insert(rows: readonly NewJobRow[], now: number): Promise<void> {
    return this.run((db, prepare) => {
      const chunks = chunkRows(rows, SQLITE_ROWS_PER_INSERT);
      const write = () => {
        for (const chunk of chunks) {
          const sql = this.insertSql(chunk.length);
          (chunk.length <= CACHED_INSERT_ROWS ? prepare(sql) : db.prepare(sql)).run(...this.bindings(chunk, now));
        }
      };
      if (chunks.length === 1) write();
      else db.transaction(write).immediate();
    });
  }

  insertStatements(rows: readonly NewJobRow[], now: number): SqlStatement[] {
    return chunkRows(rows, SQLITE_ROWS_PER_INSERT).map((chunk) => ({ sql: this.insertSql(chunk.length), bindings: this.bindings(chunk, now) }));
  }

  /** A multi-row INSERT of `rows` rows. */
  private insertSql(rows: number): string {
    return `${this.sql.insert}${', (?, ?, 0, NULL, ?, ?)'.repeat(rows - 1)}`;
  }

  private bindings(rows: readonly NewJobRow[], now: number): unknown[] {
    const out: unknown[] = [];
    for (const row of rows) out.push(row.queue, row.payload, row.availableAt, now);
    return out;
  }

  reserve(queues: readonly string[], count: number, acks: readonly Reservation[], now: number, leaseUntil: number): Promise<Reserved> {
    return this.run((db, prepare) => {
      const ack = prepare(this.sql.ack);
      const reserve = prepare(this.sql.reserve);
      const work = (): ReservedRow[] => {
        for (const a of acks) ack.run(a.id, a.attempts);
        const out: ReservedRow[] = [];
        for (let q = 0; q < queues.length && out.length < count; q++) {
          const rows = reserve.all(now, leaseUntil, queues[q], now, count - out.length) as Row[];
          // RETURNING has no order of its own: rows taken together go out oldest first.
          if (rows.length > 1) rows.sort((a, b) => Number(a.id) - Number(b.id));
          for (const row of rows) out.push({ queueIndex: q, id: String(row.id), attempts: row.attempts, payload: row.payload });
        }
        return out;
      };
      return { rows: queues.length === 1 && acks.length === 0 ? work() : db.transaction(work).immediate() };
    });
  }

  async ack(reservation: Reservation): Promise<void> {
    await this.run((_, prepare) => prepare(this.sql.ack).run(reservation.id, reservation.attempts));
  }

  release(reservation: Reservation, _queue: string, availableAt: number): Promise<boolean> {
    return this.run((_, prepare) => prepare(this.sql.release).run(availableAt, reservation.id, reservation.attempts).changes === 1);
  }

  extend(reservations: readonly Reservation[], leaseUntil: number): Promise<Set<string>> {
    return this.run((db, prepare) => {
      const extend = prepare(this.sql.extend);
      return db.transaction(() => {
        const held = new Set<string>();
        for (const r of reservations) if (extend.run(leaseUntil, r.id, r.attempts).changes === 1) held.add(reservationKey(r));
        return held;
      }).immediate();
    });
  }

  sizes(queue: string, now: number): Promise<QueueSizes> {
    return this.run((_, prepare) => {
      const row = prepare(this.sql.sizes).get(now, now, queue) as { ready: number; delayed: number; reserved: number };
      return { ready: Number(row.ready), delayed: Number(row.delayed), reserved: Number(row.reserved) };
    });
  }

  clear(queue: string): Promise<number> {
    return this.run((_, prepare) => prepare(this.sql.clear).run(queue).changes);
  }

  nextDue(queues: readonly string[]): Promise<number | null> {
    const sql = `SELECT MIN(available_at) AS due FROM ${this.table} WHERE queue IN (${queues.map(() => '?').join(', ')})`;
    return this.run((_, prepare) => {
      const row = prepare(sql).get(...queues) as { due: number | null };
      return row.due === null ? null : Number(row.due);
    });
  }

  nextDelayedDue(queues: readonly string[]): Promise<number | null> {
    const sql = nextDelayedDueSql(this.table, queues.length);
    return this.run((_, prepare) => {
      const row = prepare(sql).get(...queues) as { due: number | null };
      return row.due === null ? null : Number(row.due);
    });
  }
}
