import * as path from 'path';
import { findAppRoot } from './app-root';
import type {
  ConnectionOptions,
  DatabaseOptions,
  RedisServerOptions,
} from './queue-options.interface';

/** Environment variables the defaults read. Nothing else in the library reads the environment. */
export const ENV = {
  connection: 'QUEUE_CONNECTION',
  redisUrl: 'REDIS_URL',
  redisQueue: 'REDIS_QUEUE',
  failedDriver: 'QUEUE_FAILED_DRIVER',
  dbConnection: 'DB_CONNECTION',
  dbUrl: 'DB_URL',
  key: 'QUEUE_KEY',
} as const;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/app';
export const DEFAULT_PGSQL_URL = 'postgres://127.0.0.1:5432/app';
export const DEFAULT_SQLITE_FILE = path.join('storage', 'queue.sqlite');
export const DEFAULT_FAILED_TABLE = 'failed_jobs';
export const DEFAULT_BATCHES_TABLE = 'job_batches';
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

/** What a redis connection gets for a field neither the user nor a same-named default entry gives. */
export const REDIS_CONNECTION_DEFAULTS = {
  queue: 'default',
  retryAfter: 90,
  blockFor: null,
  afterCommit: false,
} as const;

/** Laravel's seed config (config/queue.php and the "Queue Priorities" lists), with env lookups done. */
export interface QueueConfigDefaults {
  default: string;
  redis: Record<string, RedisServerOptions>;
  connections: Record<string, ConnectionOptions>;
  queues: Record<string, string>;
  failed: { driver: string; database: string; table: string };
  databases: Record<string, DatabaseOptions>;
  batching: { driver: 'redis' };
  prefix: string;
  maxPayloadBytes: number;
  key: string | undefined;
  /** For each default taken from the environment, the variable's name (used in error messages). */
  sources: Partial<Record<'default' | 'redisUrl' | 'failedDriver' | 'failedDatabase' | 'key', string>>;
}

/** An environment variable's value; unset and empty (`QUEUE_KEY=` in a .env file) both count as absent. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Builds the defaults a partial config is merged over. `root` anchors the SQLite file: by default the app's root
 * (the folder of its package.json, see findAppRoot), never merely the current directory.
 */
export function buildQueueConfigDefaults(env: NodeJS.ProcessEnv, root: string = findAppRoot()): QueueConfigDefaults {
  const sources: QueueConfigDefaults['sources'] = {};
  const fromEnv = (name: string, field: keyof QueueConfigDefaults['sources'], fallback: string): string => {
    const value = envValue(env, name);
    if (value === undefined) return fallback;
    sources[field] = name;
    return value;
  };

  const redisUrl = fromEnv(ENV.redisUrl, 'redisUrl', DEFAULT_REDIS_URL);
  const dbUrl = envValue(env, ENV.dbUrl);
  const key = envValue(env, ENV.key);
  if (key !== undefined) sources.key = ENV.key;

  return {
    default: fromEnv(ENV.connection, 'default', 'redis'),
    redis: {
      queue: { url: redisUrl },
      default: { url: redisUrl },
    },
    connections: {
      redis: {
        driver: 'redis',
        connection: 'queue',
        queue: envValue(env, ENV.redisQueue) ?? 'default',
        retryAfter: 90,
        blockFor: null,
        afterCommit: false,
      },
      'redis-long': {
        driver: 'redis',
        connection: 'queue',
        queue: 'long-running',
        retryAfter: 300,
        blockFor: null,
        afterCommit: false,
      },
      'redis-priority': {
        driver: 'redis',
        connection: 'queue',
        queue: 'priority',
        retryAfter: 60,
        blockFor: null,
        afterCommit: false,
      },
      sync: { driver: 'sync' },
      database: { driver: 'database', connection: 'sqlite', table: 'jobs', queue: 'default', retryAfter: 90, afterCommit: false },
    },
    queues: {
      priority: 'critical,high,default,low',
      emails: 'transactional,marketing',
      exports: 'exports',
      imports: 'imports',
    },
    failed: {
      driver: fromEnv(ENV.failedDriver, 'failedDriver', 'database'),
      database: fromEnv(ENV.dbConnection, 'failedDatabase', 'sqlite'),
      table: DEFAULT_FAILED_TABLE,
    },
    databases: {
      sqlite: {
        client: 'better-sqlite3',
        connection: { filename: path.resolve(root, DEFAULT_SQLITE_FILE) },
        useNullAsDefault: true,
      },
      mysql: { client: 'mysql2', connection: dbUrl ?? DEFAULT_MYSQL_URL },
      pgsql: { client: 'pg', connection: dbUrl ?? DEFAULT_PGSQL_URL },
    },
    batching: { driver: 'redis' },
    prefix: '',
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    key,
    sources,
  };
}
