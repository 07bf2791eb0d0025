import { QueueConfigError } from '../errors/config.errors';
import type { DatabaseConnectionOptions, DatabaseOptions } from './queue-options.interface';
import type { ResolvedDatabaseConnection } from './resolved-config.interface';
import { requireQueueName } from './queue-names';
import { checkKnownKeys, requireNumber, requireOneOf, requireString, requireTableName, type PlainObject } from './config-validator';

/** knex client names the database queue driver runs on, and their SQL family. */
export const QUEUE_DATABASE_CLIENTS: Readonly<Record<string, { dialect: 'sqlite' | 'pg' | 'mysql'; driver: string }>> = {
  'better-sqlite3': { dialect: 'sqlite', driver: 'better-sqlite3' },
  pg: { dialect: 'pg', driver: 'pg' },
  postgres: { dialect: 'pg', driver: 'pg' },
  postgresql: { dialect: 'pg', driver: 'pg' },
  mysql2: { dialect: 'mysql', driver: 'mysql2' },
  mysql: { dialect: 'mysql', driver: 'mysql' },
};

/** What a database connection gets for a field neither the user nor a same-named default entry gives. */
export const DATABASE_CONNECTION_DEFAULTS = {
  connection: 'sqlite',
  table: 'jobs',
  queue: 'default',
  retryAfter: 90,
  afterCommit: false,
} as const;

const KEYS: Record<keyof DatabaseConnectionOptions, true> = {
  driver: true,
  connection: true,
  table: true,
  queue: true,
  retryAfter: true,
  blockFor: true,
  afterCommit: true,
};

/**
 * A `driver: 'database'` connection: `connection` names an entry of `databases` whose client the driver runs on
 * (better-sqlite3, pg, mysql2), `table` its jobs table. Errors name the key at fault.
 */
export function resolveDatabaseConnection(
  name: string,
  merged: PlainObject,
  key: string,
  databases: Readonly<Record<string, DatabaseOptions>>,
  /** The defaults' entry as it is: a `databases.sqlite` the user gave another client (for the failed store) is no error until the connection is used. */
  untouchedDefault = false,
): ResolvedDatabaseConnection {
  checkKnownKeys(merged, Object.keys(KEYS), key);
  const database = requireString(merged.connection ?? DATABASE_CONNECTION_DEFAULTS.connection, `${key}.connection`);
  if (!Object.prototype.hasOwnProperty.call(databases, database)) {
    throw new QueueConfigError(
      `${key}.connection`,
      `no database named "${database}" is defined under "databases"; defined databases: ${Object.keys(databases).join(', ') || 'none'}`,
    );
  }
  const client = databases[database].client;
  if (!untouchedDefault && (typeof client !== 'string' || !Object.prototype.hasOwnProperty.call(QUEUE_DATABASE_CLIENTS, client))) {
    throw new QueueConfigError(
      `${key}.connection`,
      `database "${database}" uses the knex client ${JSON.stringify(client)}, which the database queue driver does not run on; ` +
        `use one of ${Object.keys(QUEUE_DATABASE_CLIENTS).map((c) => `'${c}'`).join(', ')} (SQLite, PostgreSQL, MySQL 8 / MariaDB 10.6+)`,
    );
  }
  const table = requireTableName(merged.table ?? DATABASE_CONNECTION_DEFAULTS.table, `${key}.table`);
  const queue = requireQueueName(merged.queue ?? DATABASE_CONNECTION_DEFAULTS.queue, `${key}.queue`);
  const retryAfter = requireNumber(merged.retryAfter ?? DATABASE_CONNECTION_DEFAULTS.retryAfter, `${key}.retryAfter`, { min: 0, exclusive: true });
  const blockFor = merged.blockFor === undefined || merged.blockFor === null ? null : requireNumber(merged.blockFor, `${key}.blockFor`, { min: 0 });
  const afterCommit = requireOneOf(merged.afterCommit ?? DATABASE_CONNECTION_DEFAULTS.afterCommit, [true, false], `${key}.afterCommit`);
  return { name, driver: 'database', database, table, queue, retryAfter, blockFor, afterCommit };
}
