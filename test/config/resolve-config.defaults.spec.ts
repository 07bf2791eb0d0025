import * as path from 'path';
import { resolveQueueConfig } from '../../lib/config/resolve-config';
import { KEY_BASE64, resolve } from './config-test-helpers';

describe('resolveQueueConfig defaults (empty environment)', () => {
  const config = resolve();

  it('uses the redis connection by default', () => {
    expect(config.default).toBe('redis');
  });

  it("defines the seed's three redis connections on the 'queue' server, sync, and database on the embedded SQLite file", () => {
    expect(config.connections).toEqual({
      redis: {
        name: 'redis',
        driver: 'redis',
        server: 'queue',
        queue: 'default',
        retryAfter: 90,
        blockFor: null,
        afterCommit: false,
      },
      'redis-long': {
        name: 'redis-long',
        driver: 'redis',
        server: 'queue',
        queue: 'long-running',
        retryAfter: 300,
        blockFor: null,
        afterCommit: false,
      },
      'redis-priority': {
        name: 'redis-priority',
        driver: 'redis',
        server: 'queue',
        queue: 'priority',
        retryAfter: 60,
        blockFor: null,
        afterCommit: false,
      },
      sync: { name: 'sync', driver: 'sync', queue: 'default' },
      database: {
        name: 'database',
        driver: 'database',
        database: 'sqlite',
        table: 'jobs',
        queue: 'default',
        retryAfter: 90,
        blockFor: null,
        afterCommit: false,
      },
    });
  });

  it("defines the 'queue' and 'default' redis servers on localhost:6379", () => {
    expect(config.redis).toEqual({
      queue: { url: 'redis://127.0.0.1:6379' },
      default: { url: 'redis://127.0.0.1:6379' },
    });
  });

  it("defines the seed's named queue lists", () => {
    expect(config.queues).toEqual({
      priority: 'critical,high,default,low',
      emails: 'transactional,marketing',
      exports: 'exports',
      imports: 'imports',
    });
  });

  it('stores failed jobs in the sqlite database, table failed_jobs', () => {
    expect(config.failed).toEqual({ driver: 'database', database: 'sqlite', table: 'failed_jobs' });
  });

  it('defines sqlite as a better-sqlite3 file under storage/ of the working directory', () => {
    expect(config.databases.sqlite).toEqual({
      client: 'better-sqlite3',
      connection: { filename: path.resolve(process.cwd(), 'storage', 'queue.sqlite') },
      useNullAsDefault: true,
    });
  });

  it('defines mysql and pgsql on local default URLs when DB_URL is unset', () => {
    expect(config.databases.mysql).toEqual({ client: 'mysql2', connection: 'mysql://root@127.0.0.1:3306/app' });
    expect(config.databases.pgsql).toEqual({ client: 'pg', connection: 'postgres://127.0.0.1:5432/app' });
  });

  it("keeps batches in redis on the default connection's server", () => {
    expect(config.batching).toEqual({ driver: 'redis', server: 'queue' });
  });

  it('has an empty key prefix, a 512 KiB payload limit, no keys and no supervisors', () => {
    expect(config.prefix).toBe('');
    expect(config.maxPayloadBytes).toBe(512 * 1024);
    expect(config.keys).toEqual([]);
    expect(config.supervisors).toEqual({});
  });

  it('accepts being called with no arguments at all (reads process.env)', () => {
    const saved = { ...process.env };
    try {
      for (const name of ['QUEUE_CONNECTION', 'REDIS_URL', 'QUEUE_FAILED_DRIVER', 'DB_CONNECTION', 'QUEUE_KEY']) {
        delete process.env[name];
      }
      process.env.REDIS_QUEUE = 'from-process-env';
      expect(resolveQueueConfig().connections.redis).toMatchObject({ queue: 'from-process-env' });
    } finally {
      process.env = saved;
    }
  });
});

describe('resolveQueueConfig environment variables', () => {
  it('QUEUE_CONNECTION picks the default connection', () => {
    expect(resolve({}, { QUEUE_CONNECTION: 'sync' }).default).toBe('sync');
  });

  it('REDIS_URL sets the url of the queue and default servers', () => {
    const config = resolve({}, { REDIS_URL: 'rediss://user:pw@redis.example:6380/2' });
    expect(config.redis.queue).toEqual({ url: 'rediss://user:pw@redis.example:6380/2' });
    expect(config.redis.default).toEqual({ url: 'rediss://user:pw@redis.example:6380/2' });
  });

  it("REDIS_QUEUE sets the redis connection's queue only", () => {
    const config = resolve({}, { REDIS_QUEUE: 'app-default' });
    expect(config.connections.redis).toMatchObject({ queue: 'app-default' });
    expect(config.connections['redis-long']).toMatchObject({ queue: 'long-running' });
  });

  it('QUEUE_FAILED_DRIVER picks the failed store driver', () => {
    expect(resolve({}, { QUEUE_FAILED_DRIVER: 'null' }).failed).toEqual({ driver: 'null' });
    expect(resolve({}, { QUEUE_FAILED_DRIVER: 'redis' }).failed).toEqual({ driver: 'redis', server: 'queue' });
  });

  it('DB_CONNECTION picks the failed store database', () => {
    expect(resolve({}, { DB_CONNECTION: 'pgsql' }).failed).toEqual({
      driver: 'database',
      database: 'pgsql',
      table: 'failed_jobs',
    });
  });

  it('DB_CONNECTION also picks the database of a database batching store', () => {
    const config = resolve({ batching: { driver: 'database' } }, { DB_CONNECTION: 'mysql' });
    expect(config.batching).toEqual({ driver: 'database', database: 'mysql', table: 'job_batches' });
  });

  it('DB_URL is the connection of the mysql and pgsql databases', () => {
    const config = resolve({}, { DB_URL: 'postgres://app:secret@db:5432/prod' });
    expect(config.databases.mysql.connection).toBe('postgres://app:secret@db:5432/prod');
    expect(config.databases.pgsql.connection).toBe('postgres://app:secret@db:5432/prod');
    expect(config.databases.sqlite.client).toBe('better-sqlite3');
  });

  it('QUEUE_KEY is the default encryption key', () => {
    const config = resolve({}, { QUEUE_KEY: KEY_BASE64 });
    expect(config.keys).toHaveLength(1);
    expect(config.keys[0].equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('an explicit key wins over QUEUE_KEY', () => {
    const config = resolve({ key: 'cd'.repeat(32) }, { QUEUE_KEY: KEY_BASE64 });
    expect(config.keys[0].equals(Buffer.from('cd'.repeat(32), 'hex'))).toBe(true);
  });

  it('explicit options win over every environment variable', () => {
    const config = resolve(
      { default: 'redis-long', failed: { driver: 'null' }, redis: { queue: { url: 'redis://explicit:6379' } } },
      { QUEUE_CONNECTION: 'sync', QUEUE_FAILED_DRIVER: 'redis', REDIS_URL: 'redis://env:6379' },
    );
    expect(config.default).toBe('redis-long');
    expect(config.failed).toEqual({ driver: 'null' });
    expect(config.redis.queue).toEqual({ url: 'redis://explicit:6379' });
    expect(config.redis.default).toEqual({ url: 'redis://env:6379' });
  });

  it('treats empty variables (NAME= in a .env file) as unset', () => {
    const config = resolve(
      {},
      { QUEUE_CONNECTION: '', REDIS_URL: '', REDIS_QUEUE: ' ', QUEUE_FAILED_DRIVER: '', DB_CONNECTION: '', QUEUE_KEY: '' },
    );
    expect(config.default).toBe('redis');
    expect(config.redis.queue).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(config.connections.redis).toMatchObject({ queue: 'default' });
    expect(config.failed).toEqual({ driver: 'database', database: 'sqlite', table: 'failed_jobs' });
    expect(config.keys).toEqual([]);
  });
});
