import type { QueueDatabase } from './knex-connections';
import { quoteTable, SqlDialect } from './sql-dialect';

/** The index's own name (never schema-qualified): `app.jobs` → `app_jobs_queue_available_at_index`. */
const indexNameOf = (table: string): string => `${table.replace(/\./g, '_')}_queue_available_at_index`;

/**
 * Laravel's `jobs` table (id, queue, payload, attempts, reserved_at, available_at, created_at), with times as
 * BIGINT epoch milliseconds (Laravel: seconds) so delays and leases keep sub-second precision. One difference in
 * meaning, for speed: a reserved row's `available_at` is when its reservation lapses (reserved_at + retryAfter,
 * moved on by the heartbeat), so "can be taken" is `available_at <= now` for waiting and lapsed rows alike and
 * one index, (queue, available_at, id), serves every reserve as a range scan.
 */
export function jobsTableStatements(dialect: SqlDialect, table: string): string[] {
  const t = quoteTable(dialect, table);
  const index = quoteTable(dialect, indexNameOf(table));
  switch (dialect) {
    case 'sqlite':
      return [
        // AUTOINCREMENT: ids are never reused, so (id, attempts) names one reservation for good.
        `CREATE TABLE IF NOT EXISTS ${t} (id INTEGER PRIMARY KEY AUTOINCREMENT, queue VARCHAR(255) NOT NULL, ` +
          `payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, reserved_at BIGINT NULL, ` +
          `available_at BIGINT NOT NULL, created_at BIGINT NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (queue, available_at, id)`,
      ];
    case 'pg':
      return [
        `CREATE TABLE IF NOT EXISTS ${t} (id BIGSERIAL PRIMARY KEY, queue VARCHAR(255) NOT NULL, payload TEXT NOT NULL, ` +
          `attempts INTEGER NOT NULL DEFAULT 0, reserved_at BIGINT NULL, available_at BIGINT NOT NULL, created_at BIGINT NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (queue, available_at, id)`,
      ];
    case 'mysql':
      return [
        // One statement (MySQL's DDL is not transactional): the index comes with the table or not at all.
        `CREATE TABLE IF NOT EXISTS ${t} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, queue VARCHAR(255) NOT NULL, ` +
          `payload LONGTEXT NOT NULL, attempts INT UNSIGNED NOT NULL DEFAULT 0, reserved_at BIGINT UNSIGNED NULL, ` +
          `available_at BIGINT UNSIGNED NOT NULL, created_at BIGINT UNSIGNED NOT NULL, ` +
          `INDEX ${index} (queue, available_at, id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      ];
  }
}

/**
 * Creates the jobs table and its index when missing; idempotent, and safe when two processes start at once
 * (PostgreSQL can refuse a concurrent CREATE TABLE IF NOT EXISTS with a catalog conflict: then the other one made it).
 *
 * The catalog is read first and nothing is run when both exist: a `CREATE INDEX IF NOT EXISTS` takes a SHARE lock
 * on the table before it looks for the index, so on PostgreSQL it would wait for every open transaction that wrote
 * a job row (a dispatch inside a user's transaction, the outbox), and on SQLite for the write lock.
 */
export async function ensureJobsTable(db: QueueDatabase, table: string): Promise<void> {
  if (await jobsTableExists(db, table)) return;
  const statements = jobsTableStatements(db.dialect, table);
  for (let attempt = 1; ; attempt++) {
    try {
      if (db.dialect === 'pg') {
        await db.knex.transaction(async (trx) => {
          for (const sql of statements) await trx.raw(sql);
        });
      } else {
        for (const sql of statements) await db.knex.raw(sql);
      }
      return;
    } catch (error) {
      if (attempt >= 3 || !isConcurrentDdlConflict(error)) throw error;
    }
  }
}

/** Whether the jobs table and its index are both there, read from the catalog (no lock on the table). */
export async function jobsTableExists(db: QueueDatabase, table: string): Promise<boolean> {
  const index = indexNameOf(table);
  switch (db.dialect) {
    case 'sqlite': {
      const rows = (await db.knex.raw(`SELECT name FROM sqlite_master WHERE (type = 'table' AND name = ?) OR (type = 'index' AND name = ?)`, [
        table,
        index,
      ])) as unknown[];
      return rows.length === 2;
    }
    case 'pg': {
      // to_regclass resolves a bare name on the search path, as the CREATE statements do; an index lives in its table's schema.
      const dot = table.lastIndexOf('.');
      const qualifiedIndex = dot < 0 ? quoteTable('pg', index) : `${quoteTable('pg', table.slice(0, dot))}.${quoteTable('pg', index)}`;
      const result = (await db.knex.raw(`SELECT to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL AS present`, [
        quoteTable('pg', table),
        qualifiedIndex,
      ])) as { rows: { present: boolean }[] };
      return result.rows[0]?.present === true;
    }
    case 'mysql': {
      // MySQL makes table and index in one statement, so the table stands for both.
      const dot = table.lastIndexOf('.');
      const [rows] = (await db.knex.raw(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = ${dot < 0 ? 'DATABASE()' : '?'} AND table_name = ?`,
        dot < 0 ? [table] : [table.slice(0, dot), table.slice(dot + 1)],
      )) as [unknown[], unknown];
      return rows.length > 0;
    }
  }
}

/** PostgreSQL's unique violation on its catalogs (pg_type / pg_class) when another session creates the same table. */
function isConcurrentDdlConflict(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === '42P07';
}
