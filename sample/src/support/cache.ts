import { join } from 'node:path';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import knex, { Knex } from 'knex';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';

/** Counts a hit unless the counter has reached `max`; the counter expires `ttl` seconds after its last hit. */
const ATTEMPT = `
local sent = tonumber(redis.call('get', KEYS[1]) or '0')
if sent >= tonumber(ARGV[1]) then return 0 end
redis.call('incr', KEYS[1])
redis.call('expire', KEYS[1], ARGV[2])
return 1`;

/** What the cache does, on Redis or in a SQLite table. */
interface CacheBackend {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  has(key: string): Promise<boolean>;
  forget(key: string): Promise<boolean>;
  attempt(key: string, max: number, ttlSeconds: number): Promise<boolean>;
  ttl(key: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The cache (Laravel's Cache facade), under the sample's key prefix: the redis store when the sample runs on Redis,
 * the database store (a `cache` table in storage's cache.sqlite) when it runs on SQLite alone.
 */
@Injectable()
export class Cache implements OnApplicationShutdown {
  private readonly backend: CacheBackend;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    this.backend = settings.queueDriver === 'database' ? new SqliteCache(join(settings.storageDir, 'cache.sqlite')) : new RedisCache(settings);
  }

  get(key: string): Promise<string | null> {
    return this.backend.get(key);
  }

  put(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.backend.put(key, value, ttlSeconds);
  }

  has(key: string): Promise<boolean> {
    return this.backend.has(key);
  }

  forget(key: string): Promise<boolean> {
    return this.backend.forget(key);
  }

  /**
   * The seed's `checkRateLimit()` in one atomic step: if fewer than `max` hits were counted, count this one and
   * (re)start the `ttlSeconds` expiry, and say true; else say false. (Get-then-increment from two workers could let
   * an 11th mail through; a script, or a transaction, cannot.)
   */
  attempt(key: string, max: number, ttlSeconds: number): Promise<boolean> {
    return this.backend.attempt(key, max, ttlSeconds);
  }

  /** Seconds until `key` expires; -2 when it does not exist, -1 when it has no expiry. */
  ttl(key: string): Promise<number> {
    return this.backend.ttl(key);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
  }
}

class RedisCache implements CacheBackend {
  private readonly redis: Redis;

  constructor(settings: SampleSettings) {
    this.redis = new Redis(settings.redisUrl, { keyPrefix: `${settings.redisPrefix}cache:`, maxRetriesPerRequest: 2 });
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async forget(key: string): Promise<boolean> {
    return (await this.redis.del(key)) === 1;
  }

  async attempt(key: string, max: number, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.eval(ATTEMPT, 1, key, max, ttlSeconds)) === 1;
  }

  ttl(key: string): Promise<number> {
    return this.redis.ttl(key);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

interface CacheRow {
  key: string;
  value: string;
  expires_at: number;
}

/** Laravel's database cache store on SQLite: one row per key, expiry in epoch ms; every write is one transaction. */
class SqliteCache implements CacheBackend {
  private readonly db: Knex;
  private ready?: Promise<void>;

  constructor(filename: string) {
    this.db = knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
  }

  async get(key: string): Promise<string | null> {
    await this.setup();
    return (await live(this.db, key))?.value ?? null;
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.setup();
    await this.db<CacheRow>('cache').insert({ key, value, expires_at: Date.now() + ttlSeconds * 1000 }).onConflict('key').merge();
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  async forget(key: string): Promise<boolean> {
    await this.setup();
    const found = await live(this.db, key);
    await this.db<CacheRow>('cache').where({ key }).del();
    return found !== undefined;
  }

  async attempt(key: string, max: number, ttlSeconds: number): Promise<boolean> {
    await this.setup();
    return this.db.transaction(async (trx) => {
      const row = await live(trx, key);
      const sent = row ? Number(row.value) : 0;
      if (sent >= max) return false;
      await trx<CacheRow>('cache').insert({ key, value: String(sent + 1), expires_at: Date.now() + ttlSeconds * 1000 }).onConflict('key').merge();
      return true;
    });
  }

  async ttl(key: string): Promise<number> {
    await this.setup();
    const row = await live(this.db, key);
    return row ? Math.ceil((row.expires_at - Date.now()) / 1000) : -2;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private setup(): Promise<void> {
    this.ready ??= (async () => {
      if (await this.db.schema.hasTable('cache')) return;
      await this.db.schema.createTable('cache', (table) => {
        table.string('key').primary();
        table.text('value').notNullable();
        table.bigInteger('expires_at').notNullable();
      });
    })();
    return this.ready;
  }
}

/** The row of `key` unless it has expired. */
async function live(db: Knex | Knex.Transaction, key: string): Promise<CacheRow | undefined> {
  const row = (await db<CacheRow>('cache').where({ key }).first()) as CacheRow | undefined;
  return row && Number(row.expires_at) > Date.now() ? { ...row, expires_at: Number(row.expires_at) } : undefined;
}
