import type { Knex } from 'knex';
import type { DatabaseOptions } from '../config/queue-options.interface';
import { KnexFactory, loadKnex } from '../database/knex-loader';
import type { SqlFamily } from './sql-dialect';

/** knex client names → the driver package knex will require. */
const DRIVERS: Readonly<Record<string, string>> = {
  'better-sqlite3': 'better-sqlite3',
  sqlite3: 'sqlite3',
  sqlite: 'sqlite3',
  pg: 'pg',
  postgres: 'pg',
  postgresql: 'pg',
  pgnative: 'pg-native',
  mysql2: 'mysql2',
  mysql: 'mysql',
};

/**
 * How long (ms) a statement waits for a pooled connection unless the configuration says otherwise (knex's default
 * is 60 s): a worker whose database is down must not hang on a lock that long.
 */
const ACQUIRE_TIMEOUT_MS = 5000;
/** How long SQLite waits for another process's write before it reports the database busy. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** knex, and the driver `config.client` needs, or an error naming the packages to install for `feature`. */
export function loadKnexFor(config: DatabaseOptions, feature: string): KnexFactory {
  const driver = typeof config.client === 'string' ? DRIVERS[config.client] : undefined;
  return loadKnex(driver, feature);
}

type Done = (error: Error | null, connection: unknown) => void;
type AfterCreate = (connection: unknown, done: Done) => void;

/**
 * The store's knex configuration: a bounded wait for a connection; SQLite in WAL mode (readers never wait for the
 * writer) with a busy timeout (writers of other processes queue instead of failing); MySQL/MariaDB sessions in UTC.
 * A pool `afterCreate` of the configuration runs first.
 */
export function storeKnexConfig(config: DatabaseOptions, family: SqlFamily): Knex.Config {
  const pool = { ...(config.pool ?? {}) } as Knex.PoolConfig & { afterCreate?: AfterCreate };
  const userAfterCreate = pool.afterCreate;
  const prepare = (connection: unknown, done: Done): void => {
    try {
      if (family === 'sqlite') {
        const db = connection as { pragma?: (sql: string) => unknown; run?: (sql: string, cb: (e: Error | null) => void) => void };
        if (typeof db.pragma === 'function') {
          db.pragma('journal_mode = WAL');
          db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
          return done(null, connection);
        }
        if (typeof db.run === 'function') {
          return db.run(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`, (error) => done(error, connection));
        }
        return done(null, connection);
      }
      if (family === 'mysql') {
        const db = connection as { query: (sql: string, cb: (e: Error | null) => void) => void };
        return db.query("SET time_zone = '+00:00'", (error) => done(error, connection)) as void;
      }
      done(null, connection);
    } catch (error) {
      done(error as Error, connection);
    }
  };
  const afterCreate: AfterCreate = (connection, done) => {
    if (userAfterCreate) userAfterCreate(connection, (error) => (error ? done(error, connection) : prepare(connection, done)));
    else prepare(connection, done);
  };
  return {
    ...(config as Knex.Config),
    ...(family === 'sqlite' ? { useNullAsDefault: true } : {}),
    acquireConnectionTimeout: typeof config.acquireConnectionTimeout === 'number' ? config.acquireConnectionTimeout : ACQUIRE_TIMEOUT_MS,
    pool: { ...pool, afterCreate },
  };
}
