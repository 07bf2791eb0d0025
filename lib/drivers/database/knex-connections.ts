import type { Knex } from 'knex';
import type { DatabaseOptions } from '../../config/queue-options.interface';
import { ensureSqliteDirectory } from '../../database/ensure-sqlite-directory';
import { loadKnex } from '../../database/knex-loader';
import { QueueConfigError } from '../../errors';
import { dialectOfClient, SqlDialect, SUPPORTED_QUEUE_CONFIG_HINT } from './sql-dialect';

const FEATURE = 'The database queue driver (driver: "database")';

/** How long (ms) a statement waits for a pooled connection unless the configuration says otherwise (knex: 60 s). */
const ACQUIRE_TIMEOUT_MS = 10_000;
/** How long (ms) SQLite waits for another process's write lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** One database of `databases`, opened by knex for the queue driver. */
export interface QueueDatabase {
  /** The `databases` entry name. */
  readonly name: string;
  readonly dialect: SqlDialect;
  readonly knex: Knex;
}

/** better-sqlite3's Database as knex's pool hands it to afterCreate. */
interface SqliteHandle {
  pragma(source: string): unknown;
}
type AfterCreate = (connection: unknown, done: (error: Error | null, connection: unknown) => void) => void;

/**
 * Opens each database the queue connections name once, shared by every database queue driver on it (a worker's
 * driver and the sending driver of one connection, and connections on the same database). Closed by the manager.
 */
export class KnexConnections {
  private readonly open = new Map<string, QueueDatabase>();

  constructor(private readonly databases: Readonly<Record<string, DatabaseOptions>>) {}

  get(name: string): QueueDatabase {
    let db = this.open.get(name);
    if (!db) {
      db = openQueueDatabase(name, this.databases[name]);
      this.open.set(name, db);
    }
    return db;
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((db) => db.knex.destroy()));
  }
}

/** Opens one database for the queue driver: SQLite in WAL mode with a busy timeout; others as configured. */
export function openQueueDatabase(name: string, options: DatabaseOptions | undefined): QueueDatabase {
  if (!options) {
    throw new QueueConfigError(`databases.${name}`, 'is not defined; add its knex configuration under "databases"');
  }
  const known = dialectOfClient(options.client);
  if (!known) {
    throw new QueueConfigError(`databases.${name}.client`, `"${String(options.client)}" is not supported by the database queue driver; ${SUPPORTED_QUEUE_CONFIG_HINT}`);
  }
  const factory = loadKnex(known.driver, FEATURE);
  ensureSqliteDirectory(options);
  const config: Knex.Config = {
    ...(options as Knex.Config),
    acquireConnectionTimeout: (options.acquireConnectionTimeout as number | undefined) ?? ACQUIRE_TIMEOUT_MS,
  };
  if (known.dialect === 'sqlite') {
    config.useNullAsDefault = true;
    config.pool = withAfterCreate(options.pool, (connection) => {
      const db = connection as SqliteHandle;
      // WAL: readers never wait for the writer; NORMAL sync is safe against process crashes in WAL mode.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    });
  }
  return { name, dialect: known.dialect, knex: factory(config) };
}

/** The pool with a synchronous setup step run on each new connection, after any afterCreate of the configuration. */
function withAfterCreate(pool: DatabaseOptions['pool'], setup: (connection: unknown) => void): Knex.PoolConfig {
  const base = { ...(pool ?? {}) } as Knex.PoolConfig & { afterCreate?: AfterCreate };
  const user = base.afterCreate;
  const afterCreate: AfterCreate = (connection, done) => {
    const run = (error: Error | null) => {
      if (error) return done(error, connection);
      try {
        setup(connection);
        done(null, connection);
      } catch (failure) {
        done(failure instanceof Error ? failure : new Error(String(failure)), connection);
      }
    };
    if (user) user(connection, (error: Error | null) => run(error));
    else run(null);
  };
  return { ...base, afterCreate } as Knex.PoolConfig;
}
