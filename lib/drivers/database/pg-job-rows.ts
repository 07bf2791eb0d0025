import type { Knex } from 'knex';
import type { QueueSizes } from '../queue-driver.interface';
import type { JobRows, NewJobRow, Reservation, Reserved, ReservedRow, SqlStatement } from './job-rows.interface';
import { chunkRows } from './job-rows.interface';
import { withPooledConnection } from './raw-connection';

/** Rows per multi-row INSERT on a caller's transaction: 65535 parameters at most, four per row and one channel. */
const PG_ROWS_PER_INSERT = Math.floor((65535 - 1) / 4);

/**
 * A condition that is always true and, once evaluated, makes the statement's transaction commit without waiting
 * for the WAL flush (synchronous_commit off, for that transaction only). Written into the quals of a worker's
 * deletes and updates: a row written has passed it, so a statement that writes anything commits asynchronously.
 */
const ASYNC_COMMIT = `set_config('synchronous_commit', 'off', true) IS NOT NULL`;

/** node-postgres's client, as much of it as the driver uses. */
interface PgClient {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** `?` placeholders to PostgreSQL's `$1, $2, ...` (the driver's statements hold no other question marks). */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * The jobs table on PostgreSQL. Every operation is one statement, prepared once per connection: a reserve takes
 * the queues in order (a LATERAL scan per queue, stopping once enough rows are found) with `FOR UPDATE SKIP LOCKED`,
 * deletes the acked reservations in the same statement, and raises attempts; a push inserts every payload of a
 * tick with one `unnest` and sends one NOTIFY (delivered when it commits) to wake idle workers. A push's commit
 * waits for the WAL flush (a dispatched job survives a crash of the server); a reserve's and an ack's do not.
 */
export class PgJobRows implements JobRows {
  private readonly names = new Map<string, string>();
  private readonly sql: Record<'insert' | 'insertOne' | 'reserve' | 'ack' | 'release' | 'extend' | 'sizes' | 'clear' | 'nextDue' | 'nextDelayedDue', string>;

  constructor(
    private readonly knex: Knex,
    private readonly table: string,
    /** The NOTIFY channel of this table. */
    readonly channel: string,
  ) {
    const t = table;
    this.sql = {
      // Every row in one statement whatever their number: three array parameters (no limit of 65535 placeholders
      // applies), ids in the arrays' order, one NOTIFY per queue (delivered at the commit).
      insert:
        `WITH ins AS (INSERT INTO ${t} (queue, payload, attempts, reserved_at, available_at, created_at) ` +
        `SELECT q, p, 0, NULL, a, $4 FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS u(q, p, a, n) ORDER BY n ` +
        `RETURNING queue) SELECT pg_notify($5, q) FROM (SELECT DISTINCT queue AS q FROM ins) d`,
      insertOne:
        `WITH ins AS (INSERT INTO ${t} (queue, payload, attempts, reserved_at, available_at, created_at) ` +
        `VALUES ($1, $2, 0, NULL, $3, $4) RETURNING 1) SELECT pg_notify($5, $1)`,
      // A worker's reserve and ack commit without waiting for the WAL flush (see ASYNC_COMMIT): PostgreSQL's crash
      // can forget the last ones (their jobs run again, as after a worker's crash), never a push.
      reserve:
        `WITH acked AS (DELETE FROM ${t} j USING unnest($1::bigint[], $2::int[]) AS a(id, attempts) ` +
        `WHERE j.id = a.id AND j.attempts = a.attempts AND j.reserved_at IS NOT NULL AND ${ASYNC_COMMIT}), ` +
        `picked AS (SELECT p.id, p.due, q.ord FROM unnest($3::text[]) WITH ORDINALITY AS q(name, ord) ` +
        `CROSS JOIN LATERAL (SELECT id, available_at AS due FROM ${t} WHERE queue = q.name AND available_at <= $4 ` +
        `ORDER BY available_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) p LIMIT $5), ` +
        `taken AS (UPDATE ${t} j SET reserved_at = $4, available_at = $6, attempts = j.attempts + 1 FROM picked WHERE j.id = picked.id AND ${ASYNC_COMMIT} ` +
        `RETURNING j.id, j.payload, j.attempts, picked.ord, picked.due) ` +
        `SELECT id, payload, attempts, ord, due FROM taken UNION ALL ` +
        // Fewer than asked: one more row (ord 0) says when the next row of the queues is due after now, read in the
        // same snapshot (the rows taken and acked here left out), so an idle worker's wait needs no query of its own.
        `SELECT NULL, NULL, NULL, 0, (SELECT min(d) FROM unnest($3::text[]) AS q(name) CROSS JOIN LATERAL ` +
        `(SELECT available_at AS d FROM ${t} WHERE queue = q.name AND available_at > $4 AND id <> ALL($1::bigint[]) ORDER BY available_at LIMIT 1) m) ` +
        `WHERE (SELECT count(*) FROM taken) < $5`,
      ack: `DELETE FROM ${t} WHERE id = $1 AND attempts = $2 AND reserved_at IS NOT NULL AND ${ASYNC_COMMIT}`,
      release:
        `WITH u AS (UPDATE ${t} SET reserved_at = NULL, available_at = $1 WHERE id = $2 AND attempts = $3 AND reserved_at IS NOT NULL ` +
        `RETURNING 1) SELECT pg_notify($4, $5) FROM u`,
      extend:
        `UPDATE ${t} j SET available_at = $1 FROM unnest($2::bigint[], $3::int[]) AS r(id, attempts) ` +
        `WHERE j.id = r.id AND j.attempts = r.attempts AND j.reserved_at IS NOT NULL RETURNING j.id, j.attempts`,
      sizes:
        `SELECT count(*) FILTER (WHERE reserved_at IS NULL AND available_at <= $1) AS ready, ` +
        `count(*) FILTER (WHERE reserved_at IS NULL AND available_at > $1) AS delayed, ` +
        `count(*) FILTER (WHERE reserved_at IS NOT NULL) AS reserved FROM ${t} WHERE queue = $2`,
      clear: `DELETE FROM ${t} WHERE queue = $1`,
      nextDue: `SELECT min(d) AS due FROM unnest($1::text[]) AS q(name) CROSS JOIN LATERAL (SELECT min(available_at) AS d FROM ${t} WHERE queue = q.name) m`,
      nextDelayedDue:
        `SELECT min(d) AS due FROM unnest($1::text[]) AS q(name) CROSS JOIN LATERAL ` +
        `(SELECT available_at AS d FROM ${t} WHERE queue = q.name AND available_at > created_at ORDER BY available_at LIMIT 1) m`,
    };
  }

  private query(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }> {
    let name = this.names.get(text);
    if (!name) this.names.set(text, (name = `nq_jobs_${this.names.size + 1}_${hash(text)}`));
    const statement = { name, text, values };
    return withPooledConnection<PgClient, { rows: Record<string, unknown>[]; rowCount: number | null }>(this.knex, (client) => client.query(statement));
  }

  async insert(rows: readonly NewJobRow[], now: number): Promise<void> {
    if (rows.length === 1) {
      const [row] = rows;
      await this.query(this.sql.insertOne, [row.queue, row.payload, row.availableAt, now, this.channel]);
      return;
    }
    await this.query(this.sql.insert, [rows.map((r) => r.queue), rows.map((r) => r.payload), rows.map((r) => r.availableAt), now, this.channel]);
  }

  /**
   * Multi-row VALUES with `?` placeholders (a caller's transaction may expand array bindings, as knex does), at most
   * 16383 rows a statement (PostgreSQL binds at most 65535 parameters: four per row and the channel), each
   * NOTIFYing its queues.
   */
  insertStatements(rows: readonly NewJobRow[], now: number): SqlStatement[] {
    return chunkRows(rows, PG_ROWS_PER_INSERT).map((chunk) => {
      const bindings: unknown[] = [];
      for (const row of chunk) bindings.push(row.queue, row.payload, row.availableAt, now);
      bindings.push(this.channel);
      return {
        sql:
          `WITH ins AS (INSERT INTO ${this.table} (queue, payload, attempts, reserved_at, available_at, created_at) VALUES ` +
          `${chunk.map(() => '(?, ?, 0, NULL, ?, ?)').join(', ')} RETURNING queue) SELECT pg_notify(?, q) FROM (SELECT DISTINCT queue AS q FROM ins) d`,
        bindings,
      };
    });
  }

  async reserve(queues: readonly string[], count: number, acks: readonly Reservation[], now: number, leaseUntil: number): Promise<Reserved> {
    const { rows: all } = await this.query(this.sql.reserve, [acks.map((a) => a.id), acks.map((a) => a.attempts), queues, now, count, leaseUntil]);
    let due: number | null | undefined;
    const rows = all.filter((row) => {
      if (Number(row.ord) !== 0) return true;
      due = row.due === null ? null : Number(row.due);
      return false;
    });
    const out = rows.map((row) => ({
      queueIndex: Number(row.ord) - 1,
      id: String(row.id),
      attempts: Number(row.attempts),
      payload: row.payload as string,
      due: Number(row.due),
    }));
    out.sort((a, b) => a.queueIndex - b.queueIndex || a.due - b.due || Number(a.id) - Number(b.id));
    return { rows: out.map(({ due: _due, ...row }) => row), due };
  }

  async ack(reservation: Reservation): Promise<void> {
    await this.query(this.sql.ack, [reservation.id, reservation.attempts]);
  }

  async release(reservation: Reservation, queue: string, availableAt: number): Promise<boolean> {
    const { rows } = await this.query(this.sql.release, [availableAt, reservation.id, reservation.attempts, this.channel, queue]);
    return rows.length === 1;
  }

  async extend(reservations: readonly Reservation[], leaseUntil: number): Promise<Set<string>> {
    const { rows } = await this.query(this.sql.extend, [leaseUntil, reservations.map((r) => r.id), reservations.map((r) => r.attempts)]);
    return new Set(rows.map((row) => `${String(row.id)}:${Number(row.attempts)}`));
  }

  async sizes(queue: string, now: number): Promise<QueueSizes> {
    const { rows } = await this.query(this.sql.sizes, [now, queue]);
    return { ready: Number(rows[0].ready), delayed: Number(rows[0].delayed), reserved: Number(rows[0].reserved) };
  }

  async clear(queue: string): Promise<number> {
    return (await this.query(this.sql.clear, [queue])).rowCount ?? 0;
  }

  async nextDue(queues: readonly string[]): Promise<number | null> {
    const { rows } = await this.query(this.sql.nextDue, [queues]);
    return rows[0].due === null ? null : Number(rows[0].due);
  }

  async nextDelayedDue(queues: readonly string[]): Promise<number | null> {
    const { rows } = await this.query(this.sql.nextDelayedDue, [queues]);
    return rows[0].due === null ? null : Number(rows[0].due);
  }
}

/** A short stable tag of a statement's text, so two tables' statements never share a prepared-statement name. */
function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
