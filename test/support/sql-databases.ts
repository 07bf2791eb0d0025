import { randomBytes } from 'node:crypto';
import type { DatabaseOptions } from '../../lib/config/queue-options.interface';

/**
 * Each SQL test gets its own database (PostgreSQL, MariaDB) or file (SQLite), made here and dropped after.
 * Servers: TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test) and TEST_MYSQL_URL
 * (default mysql://root@127.0.0.1:3306/test), as the machine notes describe.
 */
export type SqlKind = 'sqlite' | 'pgsql' | 'mysql';

export interface TestDatabase {
  kind: SqlKind;
  options: DatabaseOptions;
  drop(): Promise<void>;
}

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

const SERVERS: Record<Exclude<SqlKind, 'sqlite'>, { name: string; variable: string }> = {
  pgsql: { name: 'PostgreSQL', variable: 'TEST_PG_URL' },
  mysql: { name: 'MariaDB (or MySQL)', variable: 'TEST_MYSQL_URL' },
};

/** The SQL server a test needs is not there: one line naming the server, where it was looked for, and the variable. */
export class SqlServerUnavailableError extends Error {
  constructor(kind: Exclude<SqlKind, 'sqlite'>, url: string, cause: unknown) {
    const { name, variable } = SERVERS[kind];
    const where = new URL(url);
    where.password = '';
    const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
    super(`This test needs ${name} at ${where.toString()} (${reason}): start it, or set ${variable} to a server where it may create databases.`);
    this.name = 'SqlServerUnavailableError';
  }
}

export async function createTestDatabase(kind: SqlKind): Promise<TestDatabase> {
  const name = `nq_test_${randomBytes(4).toString('hex')}`;
  if (kind === 'sqlite') {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'nq-sqlite-'));
    return {
      kind,
      options: { client: 'better-sqlite3', connection: { filename: join(dir, `${name}.sqlite`) }, useNullAsDefault: true },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { default: knex } = await import('knex');
  const client = kind === 'pgsql' ? 'pg' : 'mysql2';
  const adminUrl = kind === 'pgsql' ? PG_URL : MYSQL_URL;
  const admin = knex({ client, connection: adminUrl });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } catch (error) {
    throw new SqlServerUnavailableError(kind, adminUrl, error);
  } finally {
    await admin.destroy();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    options: { client, connection: url.toString() },
    async drop() {
      const again = knex({ client, connection: adminUrl });
      try {
        await again.raw(kind === 'pgsql' ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await again.destroy();
      }
    },
  };
}
