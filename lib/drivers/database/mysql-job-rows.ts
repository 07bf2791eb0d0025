import type { Knex } from 'knex';
import type { QueueSizes } from '../queue-driver.interface';
import type { JobRows, NewJobRow, Reservation, Reserved, ReservedRow, SqlStatement } from './job-rows.interface';
import { chunkRows, nextDelayedDueSql, reservationKey } from './job-rows.interface';

/** Rows per INSERT statement: MySQL binds at most 65535 placeholders per prepared statement, four per row. */
const MYSQL_ROWS_PER_INSERT = Math.floor(65535 / 4);
/**
 * Characters of payload per INSERT statement: mysql2 sends knex's bindings inlined in the statement text, which
 * must fit the server's max_allowed_packet (16 MiB by default on MariaDB, 64 MiB on MySQL 8) even at 3 bytes a
 * character and escaped.
 */
const MYSQL_PAYLOAD_CHARS_PER_INSERT = 1 << 20;

interface Row {
  id: number | string;
  payload: string;
  attempts: number;
}

/** What mysql2 resolves a write to through knex.raw: [ResultSetHeader, fields]. */
type WriteResult = [{ affectedRows: number }, unknown];

/**
 * The jobs table on MySQL 8 / MariaDB 10.6+ (no UPDATE ... RETURNING): a reserve is Laravel's transaction, at READ
 * COMMITTED so the range scan takes no gap locks that would hold up pushes: delete the acked reservations, `SELECT
 * ... FOR UPDATE SKIP LOCKED` per queue in order, then one UPDATE raising attempts and setting the lease.
 */
export class MysqlJobRows implements JobRows {
  constructor(
    private readonly knex: Knex,
    private readonly table: string,
  ) {}

  private insertSql(rows: number): string {
    return `INSERT INTO ${this.table} (queue, payload, attempts, reserved_at, available_at, created_at) VALUES ${Array.from({ length: rows }, () => '(?, ?, 0, NULL, ?, ?)').join(', ')}`;
  }

  async insert(rows: readonly NewJobRow[], now: number): Promise<void> {
    const statements = this.insertStatements(rows, now);
    if (statements.length === 1) {
      await this.knex.raw(statements[0].sql, statements[0].bindings as Knex.RawBinding[]);
      return;
    }
    await this.knex.transaction(async (trx) => {
      for (const statement of statements) await trx.raw(statement.sql, statement.bindings as Knex.RawBinding[]);
    });
  }

  insertStatements(rows: readonly NewJobRow[], now: number): SqlStatement[] {
    return chunkRows(rows, MYSQL_ROWS_PER_INSERT, MYSQL_PAYLOAD_CHARS_PER_INSERT).map((chunk) => {
      const bindings: (string | number)[] = [];
      for (const row of chunk) bindings.push(row.queue, row.payload, row.availableAt, now);
      return { sql: this.insertSql(chunk.length), bindings };
    });
  }

  async reserve(queues: readonly string[], count: number, acks: readonly Reservation[], now: number, leaseUntil: number): Promise<Reserved> {
    const t = this.table;
    const rows = await this.knex.transaction(
      async (trx) => {
        if (acks.length > 0) {
          await trx.raw(`DELETE FROM ${t} WHERE reserved_at IS NOT NULL AND (${acks.map(() => '(id = ? AND attempts = ?)').join(' OR ')})`, acks.flatMap((a) => [a.id, a.attempts]));
        }
        const taken: ReservedRow[] = [];
        for (let q = 0; q < queues.length && taken.length < count; q++) {
          const [rows] = (await trx.raw(
            `SELECT id, payload, attempts FROM ${t} WHERE queue = ? AND available_at <= ? ORDER BY available_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
            [queues[q], now, count - taken.length],
          )) as [Row[], unknown];
          for (const row of rows) taken.push({ queueIndex: q, id: String(row.id), attempts: Number(row.attempts) + 1, payload: row.payload });
        }
        if (taken.length > 0) {
          await trx.raw(`UPDATE ${t} SET reserved_at = ?, available_at = ?, attempts = attempts + 1 WHERE id IN (${taken.map(() => '?').join(', ')})`, [
            now,
            leaseUntil,
            ...taken.map((r) => r.id),
          ]);
        }
        return taken;
      },
      { isolationLevel: 'read committed' },
    );
    return { rows };
  }

  async ack(reservation: Reservation): Promise<void> {
    await this.knex.raw(`DELETE FROM ${this.table} WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`, [reservation.id, reservation.attempts]);
  }

  async release(reservation: Reservation, _queue: string, availableAt: number): Promise<boolean> {
    const [result] = (await this.knex.raw(
      `UPDATE ${this.table} SET reserved_at = NULL, available_at = ? WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`,
      [availableAt, reservation.id, reservation.attempts],
    )) as WriteResult;
    return result.affectedRows === 1;
  }

  async extend(reservations: readonly Reservation[], leaseUntil: number): Promise<Set<string>> {
    const match = reservations.map(() => '(id = ? AND attempts = ?)').join(' OR ');
    const bindings = reservations.flatMap((r) => [r.id, r.attempts]);
    const [result] = (await this.knex.raw(`UPDATE ${this.table} SET available_at = ? WHERE reserved_at IS NOT NULL AND (${match})`, [leaseUntil, ...bindings])) as WriteResult;
    if (result.affectedRows === reservations.length) return new Set(reservations.map(reservationKey));
    // Some are gone: read which of them are still held (a held one keeps its attempts while held).
    const [rows] = (await this.knex.raw(`SELECT id, attempts FROM ${this.table} WHERE reserved_at IS NOT NULL AND (${match})`, bindings)) as [Row[], unknown];
    return new Set(rows.map((row) => `${String(row.id)}:${Number(row.attempts)}`));
  }

  async sizes(queue: string, now: number): Promise<QueueSizes> {
    const [rows] = (await this.knex.raw(
      `SELECT COALESCE(SUM(reserved_at IS NULL AND available_at <= ?), 0) AS ready, COALESCE(SUM(reserved_at IS NULL AND available_at > ?), 0) AS \`delayed\`, ` +
        `COALESCE(SUM(reserved_at IS NOT NULL), 0) AS reserved FROM ${this.table} WHERE queue = ?`,
      [now, now, queue],
    )) as [{ ready: string | number; delayed: string | number; reserved: string | number }[], unknown];
    return { ready: Number(rows[0].ready), delayed: Number(rows[0].delayed), reserved: Number(rows[0].reserved) };
  }

  async clear(queue: string): Promise<number> {
    const [result] = (await this.knex.raw(`DELETE FROM ${this.table} WHERE queue = ?`, [queue])) as WriteResult;
    return result.affectedRows;
  }

  async nextDue(queues: readonly string[]): Promise<number | null> {
    const [rows] = (await this.knex.raw(`SELECT MIN(available_at) AS due FROM ${this.table} WHERE queue IN (${queues.map(() => '?').join(', ')})`, [...queues])) as [
      { due: string | number | null }[],
      unknown,
    ];
    return rows[0].due === null ? null : Number(rows[0].due);
  }

  async nextDelayedDue(queues: readonly string[]): Promise<number | null> {
    const [rows] = (await this.knex.raw(nextDelayedDueSql(this.table, queues.length), [...queues])) as [{ due: string | number | null }[], unknown];
    return rows[0].due === null ? null : Number(rows[0].due);
  }
}
