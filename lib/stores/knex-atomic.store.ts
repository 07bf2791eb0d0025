import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { DatabaseOptions } from '../config/queue-options.interface';
import { ensureSqliteDirectory } from '../database/ensure-sqlite-directory';
import { StoreDatabaseUnsupportedError } from '../errors/store.errors';
import type { AtomicStore, WindowAcquireResult, WindowCheckResult } from './atomic-store.interface';
import { loadKnexFor, storeKnexConfig } from './knex-connection';
import { dialectFor, isDuplicateKeyError, isRetryableMysqlError, SqlDialect, sqlFamily } from './sql-dialect';
import { nextTurn } from '../database/next-turn';

/** Longest key kept as it is; a longer one is shortened with a hash of the whole (keys stay unique). */
const MAX_KEY_LENGTH = 255;
/** Tries of one MySQL statement that InnoDB picked as a dead-lock victim. */
const MYSQL_TRIES = 8;

export interface KnexAtomicStoreOptions {
  /** Name of the database under `databases`, for messages. */
  name: string;
  config: DatabaseOptions;
  /** Values, counters and windows (Laravel's database cache store: key, value, expiration). */
  table?: string;
  /** Locks (Laravel's cache_locks: key, owner, expiration). */
  locksTable?: string;
}

interface ValueRow {
  key: string;
  value: string;
  expiration: number | string | null;
}

/**
 * The atomic store in SQL tables shaped like Laravel's database cache store: `cache` (key, value, expiration) and
 * `cache_locks` (key, owner, expiration), created on first use. `expiration` is the database server's clock in
 * epoch milliseconds (NULL: never), so every process agrees on it and expiry is decided inside each statement.
 *
 * Atomic under concurrency on every database: a lock is taken by one upsert that overwrites only an expired row
 * (PostgreSQL, SQLite: `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING`; MySQL/MariaDB: the expired row is
 * deleted, then a plain INSERT wins or meets the holder's key). A counter or window is one upsert whose update
 * decides, from the row it locked, whether the window goes on or starts again (`ON CONFLICT` / `ON DUPLICATE KEY`);
 * MySQL, which has no RETURNING, reads the row back in the same transaction while it still holds the row's lock.
 */
export class KnexAtomicStore implements AtomicStore {
  readonly description: string;
  private readonly table: string;
  private readonly locksTable: string;
  private readonly dialect: SqlDialect;
  private connection?: Knex;
  private ready?: Promise<void>;

  constructor(private readonly options: KnexAtomicStoreOptions) {
    const family = sqlFamily(options.config.client);
    if (!family) throw new StoreDatabaseUnsupportedError(options.name, String(options.config.client));
    this.dialect = dialectFor(family);
    this.table = options.table ?? 'cache';
    this.locksTable = options.locksTable ?? 'cache_locks';
    this.description = `database ${options.name}`;
  }

  /** Creates both tables unless they exist (also done on first use). Safe to run from many processes at once. */
  setup(): Promise<void> {
    this.ready ??= this.createTables().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const db = await this.db();
    const { q, nowMs, family } = this.dialect;
    const t = q(this.locksTable);
    const k = storageKey(key);
    const ttl = ttlMs > 0 ? Math.ceil(ttlMs) : null;
    if (family === 'mysql') {
      return this.mysql(async () => {
        await db.raw(`DELETE FROM ${t} WHERE ${q('key')} = ? AND ${q('expiration')} IS NOT NULL AND ${q('expiration')} <= ${nowMs}`, [k]);
        try {
          await db.raw(`INSERT INTO ${t} (${q('key')}, ${q('owner')}, ${q('expiration')}) VALUES (?, ?, ${nowMs} + ?)`, [k, owner, ttl]);
          return true;
        } catch (error) {
          if (isDuplicateKeyError(error)) return false;
          throw error;
        }
      });
    }
    const result = await db.raw(
      `INSERT INTO ${t} (${q('key')}, ${q('owner')}, ${q('expiration')}) VALUES (?, ?, ${nowMs} + ?) ` +
        `ON CONFLICT (${q('key')}) DO UPDATE SET ${q('owner')} = excluded.${q('owner')}, ${q('expiration')} = excluded.${q('expiration')} ` +
        `WHERE ${t}.${q('expiration')} IS NOT NULL AND ${t}.${q('expiration')} <= ${nowMs} RETURNING ${q('owner')}`,
      [k, owner, ttl],
    );
    return this.dialect.rows(result).length === 1;
  }

  async releaseLock(key: string, owner: string): Promise<boolean> {
    const db = await this.db();
    const removed = await this.mysql(() => db(this.locksTable).where({ key: storageKey(key), owner }).del());
    return removed > 0;
  }

  async windowAcquire(key: string, maxLocks: number, decaySeconds: number): Promise<WindowAcquireResult> {
    const { q, nowMs } = this.dialect;
    const t = q(this.table);
    const value = q('value');
    const expiration = q('expiration');
    // A window ends `decaySeconds` after the whole second it opened in (as the Redis script's nowSec + decay).
    const newEnd = `((${nowMs}) / 1000) * 1000 + ?`;
    const goesOn = `${t}.${expiration} >= ${nowMs}`;
    const row = await this.upsertCounter(
      key,
      [decaySeconds * 1000],
      this.dialect.family === 'mysql'
        ? { value: `IF(${expiration} >= ${nowMs}, CAST(CAST(${value} AS SIGNED) + 1 AS CHAR), '1')`, expiration: `IF(${expiration} >= ${nowMs}, ${expiration}, VALUES(${expiration}))`, newEnd: `(${nowMs} DIV 1000) * 1000 + ?` }
        : { value: `CASE WHEN ${goesOn} THEN CAST(CAST(${t}.${value} AS BIGINT) + 1 AS TEXT) ELSE '1' END`, expiration: `CASE WHEN ${goesOn} THEN ${t}.${expiration} ELSE excluded.${expiration} END`, newEnd },
    );
    const count = Number(row.value);
    const decaysAt = Math.floor(Number(row.expiration) / 1000);
    return { acquired: count <= maxLocks, decaysAt, remaining: Math.max(0, maxLocks - count), now: Math.floor(Number(row.now) / 1000) };
  }

  async windowTooMany(key: string, maxLocks: number, decaySeconds: number): Promise<WindowCheckResult> {
    const db = await this.db();
    const { q, nowMs } = this.dialect;
    const sub = (column: string) => `(SELECT ${q(column)} FROM ${q(this.table)} WHERE ${q('key')} = ?)`;
    const result = await db.raw(`SELECT ${nowMs} AS ${q('now')}, ${sub('value')} AS ${q('value')}, ${sub('expiration')} AS ${q('expiration')}`, [
      storageKey(key),
      storageKey(key),
    ]);
    const row = this.dialect.rows<{ now: number | string; value: string | null; expiration: number | string | null }>(result)[0];
    const now = Number(row.now);
    const nowSec = Math.floor(now / 1000);
    if (row.expiration !== null && row.value !== null && Number(row.expiration) >= now) {
      const decaysAt = Math.floor(Number(row.expiration) / 1000);
      return { tooManyAttempts: maxLocks - Number(row.value) <= 0, decaysAt, now: nowSec };
    }
    return { tooManyAttempts: false, decaysAt: nowSec + decaySeconds, now: nowSec };
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const { q, nowMs } = this.dialect;
    const t = q(this.table);
    const value = q('value');
    const expiration = q('expiration');
    const live = (table: string) => `(${table}${expiration} IS NULL OR ${table}${expiration} > ${nowMs})`;
    const row = await this.upsertCounter(
      key,
      [Math.max(1, Math.ceil(ttlSeconds)) * 1000],
      this.dialect.family === 'mysql'
        ? { value: `IF(${live('')}, CAST(CAST(${value} AS SIGNED) + 1 AS CHAR), '1')`, expiration: `VALUES(${expiration})`, newEnd: `${nowMs} + ?` }
        : { value: `CASE WHEN ${live(`${t}.`)} THEN CAST(CAST(${t}.${value} AS BIGINT) + 1 AS TEXT) ELSE '1' END`, expiration: `excluded.${expiration}`, newEnd: `${nowMs} + ?` },
    );
    return Number(row.value);
  }

  async get(key: string): Promise<string | null> {
    const [value] = await this.getMany([key]);
    return value;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    const db = await this.db();
    const { q, nowMs } = this.dialect;
    const stored = keys.map(storageKey);
    const result = await db.raw(
      `SELECT ${q('key')}, ${q('value')} FROM ${q(this.table)} WHERE ${q('key')} IN (${stored.map(() => '?').join(', ')}) ` +
        `AND (${q('expiration')} IS NULL OR ${q('expiration')} > ${nowMs})`,
      stored,
    );
    const found = new Map(this.dialect.rows<ValueRow>(result).map((row) => [row.key, row.value]));
    return stored.map((key) => found.get(key) ?? null);
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    const db = await this.db();
    const { q, nowMs, family } = this.dialect;
    const t = q(this.table);
    const ttl = ttlSeconds === undefined ? null : Math.max(1, Math.ceil(ttlSeconds)) * 1000;
    const insert = `INSERT INTO ${t} (${q('key')}, ${q('value')}, ${q('expiration')}) VALUES (?, ?, ${nowMs} + ?) `;
    const update =
      family === 'mysql'
        ? `ON DUPLICATE KEY UPDATE ${q('value')} = VALUES(${q('value')}), ${q('expiration')} = VALUES(${q('expiration')})`
        : `ON CONFLICT (${q('key')}) DO UPDATE SET ${q('value')} = excluded.${q('value')}, ${q('expiration')} = excluded.${q('expiration')}`;
    await this.mysql(() => db.raw(insert + update, [storageKey(key), value, ttl]));
  }

  async delete(key: string): Promise<void> {
    const db = await this.db();
    await this.mysql(() => db(this.table).where({ key: storageKey(key) }).del());
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.ready = undefined;
    if (connection) await connection.destroy();
  }

  /**
   * One counter upsert: inserts `1` with expiration `newEnd`, or updates the row with the `value` and `expiration`
   * expressions (which see the row as it was). Returns the row after the statement and the server's clock.
   */
  private async upsertCounter(
    key: string,
    bindings: readonly number[],
    sql: { value: string; expiration: string; newEnd: string },
  ): Promise<{ value: string; expiration: number | string; now: number | string }> {
    const db = await this.db();
    const { q, nowMs, family } = this.dialect;
    const t = q(this.table);
    const k = storageKey(key);
    const insert = `INSERT INTO ${t} (${q('key')}, ${q('value')}, ${q('expiration')}) VALUES (?, '1', ${sql.newEnd}) `;
    if (family === 'mysql') {
      // Assignments run left to right: `value` is computed from the old expiration before `expiration` changes.
      const statement = `${insert}ON DUPLICATE KEY UPDATE ${q('value')} = ${sql.value}, ${q('expiration')} = ${sql.expiration}`;
      return this.mysql(() =>
        db.transaction(async (trx) => {
          await trx.raw(statement, [k, ...bindings]);
          const read = await trx.raw(`SELECT ${q('value')}, ${q('expiration')}, ${nowMs} AS ${q('now')} FROM ${t} WHERE ${q('key')} = ?`, [k]);
          return this.dialect.rows<{ value: string; expiration: number | string; now: number | string }>(read)[0];
        }),
      );
    }
    const result = await db.raw(
      `${insert}ON CONFLICT (${q('key')}) DO UPDATE SET ${q('value')} = ${sql.value}, ${q('expiration')} = ${sql.expiration} ` +
        `RETURNING ${q('value')}, ${q('expiration')}, ${nowMs} AS ${q('now')}`,
      [k, ...bindings],
    );
    return this.dialect.rows<{ value: string; expiration: number | string; now: number | string }>(result)[0];
  }

  /** Runs `work`, again when MySQL/MariaDB chose it as a dead-lock victim; once on other databases. */
  private async mysql<T>(work: () => Promise<T>): Promise<T> {
    if (this.dialect.family !== 'mysql') return work();
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= MYSQL_TRIES || !isRetryableMysqlError(error)) throw error;
      }
    }
  }

  private async db(): Promise<Knex> {
    await this.setup();
    // A worker going round (a job WithoutOverlapping releases at once, popped again at once) must let timers run.
    if (this.dialect.family === 'sqlite') await nextTurn();
    return this.knex();
  }

  private knex(): Knex {
    if (!this.connection) {
      const knex = loadKnexFor(this.options.config, `The database store of "${this.options.name}" (locks, limiters and signals)`);
      ensureSqliteDirectory(this.options.config);
      this.connection = knex(storeKnexConfig(this.options.config, this.dialect.family));
    }
    return this.connection;
  }

  private async createTables(): Promise<void> {
    const db = this.knex();
    const mysql = this.dialect.family === 'mysql';
    const create = async (name: string, build: (table: Knex.CreateTableBuilder) => void) => {
      if (await db.schema.hasTable(name)) return;
      try {
        await db.schema.createTable(name, build);
      } catch (error) {
        // Another process made it at the same moment.
        if (!(await db.schema.hasTable(name))) throw error;
      }
    };
    const key = (table: Knex.CreateTableBuilder) => {
      const column = table.string('key', MAX_KEY_LENGTH).notNullable().primary();
      // Keys are case-sensitive, as in Redis (MySQL's default collations are not).
      if (mysql) column.collate('utf8mb4_bin');
    };
    await create(this.table, (table) => {
      key(table);
      table.text('value').notNullable();
      table.bigInteger('expiration').nullable();
    });
    await create(this.locksTable, (table) => {
      key(table);
      table.string('owner', MAX_KEY_LENGTH).notNullable();
      table.bigInteger('expiration').nullable();
    });
  }
}

/** `key` as stored: unchanged up to 255 characters, else its first 190 and a SHA-256 of the whole. */
export function storageKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${key.slice(0, 190)}:${createHash('sha256').update(key).digest('hex')}`;
}
