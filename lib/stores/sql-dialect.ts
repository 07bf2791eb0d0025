/**
 * The SQL that differs per database family for the database atomic store: how to quote a name, what the server's
 * clock reads (epoch milliseconds), and how a statement's rows come back from each knex driver.
 */
export type SqlFamily = 'sqlite' | 'pg' | 'mysql';

const FAMILIES: Readonly<Record<string, SqlFamily>> = {
  'better-sqlite3': 'sqlite',
  sqlite3: 'sqlite',
  sqlite: 'sqlite',
  pg: 'pg',
  postgres: 'pg',
  postgresql: 'pg',
  pgnative: 'pg',
  mysql2: 'mysql',
  mysql: 'mysql',
};

/** The family of a knex client name, or null for a database the store does not speak. */
export function sqlFamily(client: unknown): SqlFamily | null {
  return typeof client === 'string' ? FAMILIES[client] ?? null : null;
}

export interface SqlDialect {
  family: SqlFamily;
  /** A quoted identifier (`key` is reserved on MySQL). */
  q(name: string): string;
  /** The server's clock in whole epoch milliseconds, constant within one statement. */
  nowMs: string;
  /** The rows a raw statement returned, whatever the driver's result shape. */
  rows<T>(result: unknown): T[];
  /** Rows a raw DELETE/UPDATE changed. */
  changes(result: unknown): number;
}

export function dialectFor(family: SqlFamily): SqlDialect {
  switch (family) {
    case 'sqlite':
      return {
        family,
        q: (name) => `"${name}"`,
        // 'now' is fixed for the duration of one statement (sqlite3_step), so every use in a statement agrees.
        nowMs: `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`,
        rows: (result) => (Array.isArray(result) ? (result as never[]) : []),
        changes: (result) => Number((result as { changes?: number } | undefined)?.changes ?? 0),
      };
    case 'pg':
      return {
        family,
        q: (name) => `"${name}"`,
        // now() is the start of the statement's transaction (each autocommitted statement is one).
        nowMs: `CAST(FLOOR(EXTRACT(EPOCH FROM now()) * 1000) AS BIGINT)`,
        rows: (result) => ((result as { rows?: never[] } | undefined)?.rows ?? []),
        changes: (result) => Number((result as { rowCount?: number } | undefined)?.rowCount ?? 0),
      };
    case 'mysql':
      return {
        family,
        q: (name) => `\`${name}\``,
        // NOW(3) is fixed for the statement; sessions run in UTC (see the pool hook), so no local-time ambiguity.
        nowMs: `CAST(FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)`,
        rows: (result) => {
          const first = Array.isArray(result) ? result[0] : undefined;
          return Array.isArray(first) ? (first as never[]) : [];
        },
        changes: (result) => {
          const first = Array.isArray(result) ? result[0] : undefined;
          return Number((first as { affectedRows?: number } | undefined)?.affectedRows ?? 0);
        },
      };
  }
}

/** MySQL/InnoDB may pick a statement as a dead-lock victim under contention (1213), or time out waiting (1205). */
export function isRetryableMysqlError(error: unknown): boolean {
  const errno = (error as { errno?: number } | undefined)?.errno;
  return errno === 1213 || errno === 1205;
}

/** A duplicate primary key (MySQL 1062). */
export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { errno?: number } | undefined)?.errno === 1062;
}
