import { Logger } from '@nestjs/common';
import type { Knex } from 'knex';
import { ensureSqliteDirectory } from '../database/ensure-sqlite-directory';
import { loadKnex } from '../database/knex-loader';
import type { DatabaseOptions } from '../config/queue-options.interface';
import { FailedJobStoreUnavailableError, InvalidFailedJobTimeError } from '../errors';
import type { FailedJobRecord, FailedJobStore } from './failed-job-store.interface';

/** How the store writes and reads `failed_at` differs per database family; everything else is plain knex. */
type Dialect = 'sqlite' | 'pg' | 'mysql' | 'other';

/** knex client names (and aliases) → the driver package knex will require, and the dialect family. */
const CLIENTS: Readonly<Record<string, { driver: string; dialect: Dialect }>> = {
  'better-sqlite3': { driver: 'better-sqlite3', dialect: 'sqlite' },
  sqlite3: { driver: 'sqlite3', dialect: 'sqlite' },
  sqlite: { driver: 'sqlite3', dialect: 'sqlite' },
  pg: { driver: 'pg', dialect: 'pg' },
  postgres: { driver: 'pg', dialect: 'pg' },
  postgresql: { driver: 'pg', dialect: 'pg' },
  pgnative: { driver: 'pg-native', dialect: 'pg' },
  cockroachdb: { driver: 'pg', dialect: 'pg' },
  mysql2: { driver: 'mysql2', dialect: 'mysql' },
  mysql: { driver: 'mysql', dialect: 'mysql' },
  oracledb: { driver: 'oracledb', dialect: 'other' },
  mssql: { driver: 'tedious', dialect: 'other' },
};

const FEATURE = 'The database failed-job store (failed.driver: "database")';

/**
 * How long (ms) the store waits for a pooled connection unless the configuration says otherwise (knex's own
 * default is 60 s): a worker whose database is down must not hold a job that long, past its own stop limits.
 */
const ACQUIRE_TIMEOUT_MS = 5000;
const COLUMNS = ['uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at'] as const;

interface FailedJobRow {
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  failed_at: Date | string | number;
}

/** A raw mysql / mysql2 connection, as knex hands it to the pool's afterCreate hook. */
interface CallbackConnection {
  query(sql: string, callback: (error: Error | null) => void): unknown;
}
type AfterCreate = (connection: CallbackConnection, done: (error: Error | null, connection: unknown) => void) => void;

/**
 * Failed jobs in a SQL table shaped like Laravel's `failed_jobs`, through knex (SQLite, PostgreSQL, MySQL/MariaDB).
 * knex and the driver are optional peer dependencies, loaded when the store is constructed.
 *
 * Times are stored as instants, never as local wall-clock times: `timestamptz` on PostgreSQL, a TIMESTAMP written
 * and read in UTC sessions on MySQL/MariaDB, UTC text on SQLite. They round-trip to the millisecond.
 */
export class DatabaseFailedJobStore implements FailedJobStore {
  private readonly db: Knex;
  private readonly dialect: Dialect;
  private setupPromise: Promise<void> | undefined;
  private readonly logger = new Logger('nestjs-queue:failed');
  /** What the store is, in words for log lines: client and host, or file. */
  private readonly description: string;
  /** Whether the last record could not be written: the outage is reported once, and its end once. */
  private down = false;

  constructor(
    knexConfig: DatabaseOptions,
    private readonly table = 'failed_jobs',
  ) {
    const client = typeof knexConfig.client === 'string' ? knexConfig.client : '';
    const known = CLIENTS[client];
    const knex = loadKnex(known?.driver, FEATURE);
    this.dialect = known?.dialect ?? 'other';
    ensureSqliteDirectory(knexConfig);
    this.description = describeDatabase(knexConfig);
    const config = withQuietReconnects(withAcquireTimeout(knexConfig), this.logger);
    this.db = knex(this.dialect === 'mysql' ? withUtcSessions(config) : (config as Knex.Config));
  }

  /** Creates the table and its indexes when missing. Runs once per store; every other method awaits it first. */
  setup(): Promise<void> {
    if (!this.setupPromise) {
      this.setupPromise = this.createTableIfMissing().catch((error: unknown) => {
        this.setupPromise = undefined;
        throw error;
      });
    }
    return this.setupPromise;
  }

  /**
   * Writes the record, or throws FailedJobStoreUnavailableError (the job is then kept in its queue). A database
   * that is down is logged once, when it goes, and once when it is back; never once per job.
   */
  async log(record: FailedJobRecord): Promise<void> {
    try {
      await this.write(record);
    } catch (error) {
      if (error instanceof InvalidFailedJobTimeError) throw error;
      const reason = describeFailure(error);
      if (!this.down) {
        this.down = true;
        this.logger.error(
          `The failed-job store (${this.description}) is unreachable: ${reason}. Jobs that fail for good stay in their queues ` +
            `and are tried again after retryAfter until it is back.`,
        );
      }
      throw new FailedJobStoreUnavailableError(this.description, reason);
    }
    if (this.down) {
      this.down = false;
      this.logger.log(`The failed-job store (${this.description}) is back: failed jobs are recorded again.`);
    }
  }

  private async write(record: FailedJobRecord): Promise<void> {
    await this.setup();
    await this.db(this.table)
      .insert({
        uuid: record.id,
        connection: record.connection,
        queue: record.queue,
        payload: record.payload,
        exception: record.exception,
        failed_at: this.encodeTime(record.failedAt, 'failedAt'),
      })
      .onConflict('uuid')
      .merge();
  }

  async all(): Promise<FailedJobRecord[]> {
    await this.setup();
    const rows: FailedJobRow[] = await this.read(this.newestFirst(this.db(this.table).select(...COLUMNS)));
    return rows.map((row) => this.toRecord(row));
  }

  async find(id: string): Promise<FailedJobRecord | null> {
    await this.setup();
    const rows: FailedJobRow[] = await this.read(this.db(this.table).select(...COLUMNS).where('uuid', id).limit(1));
    return rows.length ? this.toRecord(rows[0]) : null;
  }

  async ids(queue?: string): Promise<string[]> {
    await this.setup();
    const query = this.db(this.table).select('uuid');
    if (queue !== undefined) query.where('queue', queue);
    const rows: Pick<FailedJobRow, 'uuid'>[] = await this.newestFirst(query);
    return rows.map((row) => row.uuid);
  }

  async forget(id: string): Promise<boolean> {
    await this.setup();
    const removed = await this.db(this.table).where('uuid', id).del();
    return removed > 0;
  }

  async flush(hours?: number): Promise<number> {
    if (hours === undefined) {
      await this.setup();
      return this.db(this.table).del();
    }
    if (!Number.isFinite(hours)) throw new InvalidFailedJobTimeError('flush(hours)', hours);
    return this.prune(new Date(Date.now() - hours * 3_600_000));
  }

  async prune(before: Date): Promise<number> {
    const cutoff = this.encodeTime(before, 'prune(before)');
    await this.setup();
    return this.db(this.table).where('failed_at', '<', cutoff).del();
  }

  /** Closes the pool; a connection still being opened to a database that does not answer is not waited for past 5 s. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ACQUIRE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([this.db.destroy(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async createTableIfMissing(): Promise<void> {
    if (await this.db.schema.hasTable(this.table)) return;
    try {
      // In a transaction where DDL is transactional (PostgreSQL, SQLite): table and indexes appear together.
      await this.db.transaction((trx) => trx.schema.createTable(this.table, (table) => this.defineTable(table)));
    } catch (error) {
      // Another process (or another store on the same database) created it meanwhile: that is success.
      if (await this.db.schema.hasTable(this.table)) return;
      throw error;
    }
  }

  private defineTable(table: Knex.CreateTableBuilder): void {
    table.bigIncrements('id');
    table.string('uuid', 255).notNullable().unique();
    // varchar, not text: MySQL/MariaDB cannot index whole text columns.
    table.string('connection', 255).notNullable();
    table.string('queue', 255).notNullable();
    table.text('payload', 'longtext').notNullable();
    table.text('exception', 'longtext').notNullable();
    table
      .timestamp('failed_at', { precision: 3 })
      .notNullable()
      .defaultTo(
        this.dialect === 'sqlite'
          ? // UTC with milliseconds, the very shape log() writes, so text comparison is time comparison.
            this.db.raw("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")
          : this.db.fn.now(3),
      );
    table.index(['connection', 'queue', 'failed_at']);
    if (this.dialect === 'mysql') {
      // Payloads are arbitrary Unicode; ids and queue names compare exactly, as in the other stores.
      table.charset('utf8mb4');
      table.collate('utf8mb4_bin');
    }
  }

  private newestFirst<T extends Knex.QueryBuilder>(query: T): T {
    return query.orderBy('failed_at', 'desc').orderBy('id', 'desc') as T;
  }

  /** On MySQL, asks the driver to parse TIMESTAMP values as UTC (the session writes them in UTC). */
  private read<T extends Knex.QueryBuilder>(query: T): T {
    return this.dialect === 'mysql' ? (query.options({ timezone: 'Z' }) as T) : query;
  }

  private encodeTime(value: Date, argument: string): Date | string {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidFailedJobTimeError(argument, value);
    if (this.dialect === 'sqlite' || this.dialect === 'mysql') {
      // 'YYYY-MM-DD HH:MM:SS.mmm' in UTC: MySQL sessions here run in UTC; on SQLite it is the shape of the column
      // default too, so text order is time order.
      return value.toISOString().slice(0, 23).replace('T', ' ');
    }
    return value;
  }

  private toRecord(row: FailedJobRow): FailedJobRecord {
    return {
      id: row.uuid,
      connection: row.connection,
      queue: row.queue,
      payload: row.payload,
      exception: row.exception,
      failedAt: decodeTime(row.failed_at),
    };
  }
}

/**
 * Dates as the drivers return them: a Date, epoch ms (SQLite), or text when a connection is configured to return
 * date strings ('YYYY-MM-DD HH:MM:SS[.fff]' in UTC on MySQL and SQLite, with an offset such as '+00' on PostgreSQL).
 */
function decodeTime(value: Date | string | number): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (/^-?\d+(\.\d+)?$/.test(value)) return new Date(Number(value));
  const iso = value.trim().replace(' ', 'T');
  if (/[+-]\d\d$/.test(iso)) return new Date(`${iso}:00`);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}




/** The configured acquire timeout, or ACQUIRE_TIMEOUT_MS. */
function withAcquireTimeout(config: DatabaseOptions): DatabaseOptions {
  return config.acquireConnectionTimeout === undefined ? { ...config, acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS } : config;
}

/**
 * knex warns with a full stack on every failed attempt to open a connection ("Acquire connection error"), many times
 * a second while a database is down; the store reports the outage itself, once. Other knex messages go to the
 * Nest logger. A `log` of the configuration is kept as it is.
 */
function withQuietReconnects(config: DatabaseOptions, logger: Logger): DatabaseOptions {
  if (config.log !== undefined) return config;
  const text = (message: unknown) => (typeof message === 'string' ? message : String(message));
  return {
    ...config,
    log: {
      warn: (message: unknown) => {
        if (!/^Acquire connection error/.test(text(message))) logger.warn(text(message));
      },
      error: (message: unknown) => logger.error(text(message)),
      deprecate: (message: unknown) => logger.warn(text(message)),
      debug: () => undefined,
    },
  };
}

/** "pg at 127.0.0.1:5432", "better-sqlite3 at /path/file.sqlite": never the password. */
function describeDatabase(config: DatabaseOptions): string {
  const client = typeof config.client === 'string' ? config.client : 'database';
  const c = config.connection;
  if (typeof c === 'string') {
    try {
      const url = new URL(c);
      return `${client} at ${url.host}${url.pathname}`;
    } catch {
      return client;
    }
  }
  if (c && typeof c === 'object') {
    if (typeof c.filename === 'string') return `${client} at ${c.filename}`;
    const host = typeof c.host === 'string' ? c.host : 'localhost';
    return `${client} at ${host}${c.port !== undefined ? `:${String(c.port)}` : ''}`;
  }
  return client;
}

/** A driver error in one line: its code and message, no stack. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'KnexTimeoutError') return `no connection within ${ACQUIRE_TIMEOUT_MS / 1000} s (the database does not answer)`;
  const errors = (error as Error & { errors?: unknown[] }).errors;
  // Node's AggregateError (a host with IPv4 and IPv6 addresses): the first cause says it.
  if (!error.message && Array.isArray(errors) && errors[0] instanceof Error) return errors[0].message;
  return error.message.replace(/\.+$/, '');
}

/**
 * Every pooled MySQL/MariaDB connection runs in UTC, so TIMESTAMP values are written and read as UTC. A pool
 * `afterCreate` of the configuration runs first; the time zone is set after it, so it cannot be overridden.
 */
function withUtcSessions(config: DatabaseOptions): Knex.Config {
  const pool = { ...(config.pool ?? {}) } as Knex.PoolConfig & { afterCreate?: AfterCreate };
  const userAfterCreate = pool.afterCreate;
  const afterCreate: AfterCreate = (connection, done) => {
    const useUtc = (error: Error | null): void => {
      if (error) done(error, connection);
      else connection.query("SET time_zone = '+00:00'", (failure) => done(failure, connection));
    };
    if (userAfterCreate) userAfterCreate(connection, (error) => useUtc(error));
    else useUtc(null);
  };
  return { ...(config as Knex.Config), pool: { ...pool, afterCreate } };
}
