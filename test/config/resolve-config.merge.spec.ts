import type { QueueModuleOptions } from '../../lib/config/queue-options.interface';
import { KEY_BASE64, KEY_HEX, resolve, untyped } from './config-test-helpers';

describe('resolveQueueConfig merging a partial config over the defaults', () => {
  it('adds a new connection and keeps every default one', () => {
    const config = resolve({ connections: { emails: { driver: 'redis', queue: 'emails' } } });
    expect(Object.keys(config.connections).sort()).toEqual(['database', 'emails', 'redis', 'redis-long', 'redis-priority', 'sync']);
  });

  it('fills a new redis connection with queue default, retryAfter 90, blockFor null, afterCommit false', () => {
    const config = resolve({ connections: { plain: { driver: 'redis' } } });
    expect(config.connections.plain).toEqual({
      name: 'plain',
      driver: 'redis',
      server: 'default',
      queue: 'default',
      retryAfter: 90,
      blockFor: null,
      afterCommit: false,
    });
  });

  it('accepts entries named like inherited object properties', () => {
    const config = resolve(
      untyped({
        connections: { constructor: { driver: 'redis', queue: 'c' } },
        databases: { toString: { client: 'pg', connection: 'postgres://x/y' } },
      }),
    );
    expect(config.connections.constructor).toMatchObject({ name: 'constructor', retryAfter: 90, queue: 'c' });
    expect(config.databases.toString).toEqual({ client: 'pg', connection: 'postgres://x/y' });
  });

  it('merges a same-driver entry field-wise over the default entry of that name', () => {
    const config = resolve({ connections: { 'redis-long': { driver: 'redis', blockFor: 5 } } });
    expect(config.connections['redis-long']).toEqual({
      name: 'redis-long',
      driver: 'redis',
      server: 'queue',
      queue: 'long-running',
      retryAfter: 300,
      blockFor: 5,
      afterCommit: false,
    });
  });

  it('ignores fields explicitly set to undefined when merging', () => {
    const config = resolve({ connections: { 'redis-long': { driver: 'redis', retryAfter: undefined } } });
    expect(config.connections['redis-long']).toMatchObject({ retryAfter: 300 });
  });

  it('replaces a default entry whole when the driver differs', () => {
    const config = resolve({ connections: { redis: { driver: 'sync' } } });
    expect(config.connections.redis).toEqual({ name: 'redis', driver: 'sync', queue: 'default' });
  });

  it('replaces a sync default with a redis entry that gets the generic defaults', () => {
    const config = resolve({ connections: { sync: { driver: 'redis', connection: 'queue' } } });
    expect(config.connections.sync).toMatchObject({ driver: 'redis', queue: 'default', retryAfter: 90 });
  });

  it('adds and replaces redis servers; a replaced server is not merged with the default url', () => {
    const config = resolve({ redis: { queue: { host: 'queue-host', port: 6390 }, cache: { url: 'redis://cache:6379' } } });
    expect(config.redis.queue).toEqual({ host: 'queue-host', port: 6390 });
    expect(config.redis.cache).toEqual({ url: 'redis://cache:6379' });
    expect(config.redis.default).toEqual({ url: 'redis://127.0.0.1:6379' });
  });

  it('accepts a cluster server and a connection on it', () => {
    const config = resolve({
      redis: { cluster: { cluster: [{ host: '10.0.0.1', port: 7000 }, '10.0.0.2:7000'], options: { scaleReads: 'slave' } } },
      connections: { clustered: { driver: 'redis', connection: 'cluster', queue: '{jobs}' } },
    });
    expect(config.connections.clustered).toMatchObject({ server: 'cluster', queue: 'jobs' });
  });

  it('adds named queue lists, replaces same-named ones and normalises their spacing', () => {
    const config = resolve({ queues: { priority: 'urgent, normal', reports: 'daily,weekly' } });
    expect(config.queues.priority).toBe('urgent,normal');
    expect(config.queues.reports).toBe('daily,weekly');
    expect(config.queues.emails).toBe('transactional,marketing');
  });

  it('merges a database entry over the default of the same client, and replaces it for another client', () => {
    const config = resolve({
      databases: {
        sqlite: { client: 'better-sqlite3', connection: { filename: ':memory:' } },
        mysql: { client: 'pg', connection: 'postgres://x/y' },
        reporting: { client: 'pg', connection: { host: 'reports' } },
      },
    });
    expect(config.databases.sqlite).toEqual({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    expect(config.databases.mysql).toEqual({ client: 'pg', connection: 'postgres://x/y' });
    expect(config.databases.reporting).toEqual({ client: 'pg', connection: { host: 'reports' } });
  });

  it('fills failed store and batching defaults around the fields given', () => {
    const config = resolve({
      failed: { driver: 'database', table: 'dead_jobs' },
      batching: { driver: 'database', database: 'pgsql' },
    });
    expect(config.failed).toEqual({ driver: 'database', database: 'sqlite', table: 'dead_jobs' });
    expect(config.batching).toEqual({ driver: 'database', database: 'pgsql', table: 'job_batches' });
  });

  it("resolves a redis failed store's connection, named as a queue connection, to its server", () => {
    const config = resolve({
      redis: { failures: { url: 'redis://failures:6379' } },
      connections: { audit: { driver: 'redis', connection: 'failures' } },
      failed: { driver: 'redis', connection: 'audit' },
    });
    expect(config.failed).toEqual({ driver: 'redis', server: 'failures' });
  });

  it("accepts a Redis server name directly as a redis store's connection", () => {
    const config = resolve({
      redis: { batches: { url: 'redis://batches:6379' } },
      batching: { driver: 'redis', connection: 'batches' },
    });
    expect(config.batching).toEqual({ driver: 'redis', server: 'batches' });
  });

  it("puts redis stores without a connection on the default connection's server", () => {
    const config = resolve({
      redis: { main: { url: 'redis://main:6379' } },
      connections: { main: { driver: 'redis', connection: 'main' } },
      default: 'main',
      failed: { driver: 'redis' },
    });
    expect(config.failed).toEqual({ driver: 'redis', server: 'main' });
    expect(config.batching).toEqual({ driver: 'redis', server: 'main' });
  });

  it("puts redis stores on the fallback server when the default connection is sync", () => {
    const config = resolve({ default: 'sync', failed: { driver: 'redis' } });
    expect(config.failed).toEqual({ driver: 'redis', server: 'default' });
    expect(config.batching).toEqual({ driver: 'redis', server: 'default' });
  });

  it('takes the prefix and the payload limit as given', () => {
    const config = resolve({ prefix: 'myapp:', maxPayloadBytes: 1024 });
    expect(config.prefix).toBe('myapp:');
    expect(config.maxPayloadBytes).toBe(1024);
  });

  it('decodes the key and appends previous keys in order', () => {
    const config = resolve({ key: KEY_HEX, previousKeys: [KEY_BASE64] });
    expect(config.keys.map((k) => k.toString('hex'))).toEqual([KEY_HEX, Buffer.alloc(32, 7).toString('hex')]);
  });

  it("treats an empty key (key: process.env.QUEUE_KEY with QUEUE_KEY='') as no key", () => {
    expect(resolve({ key: '' }).keys).toEqual([]);
  });

  it("resolves the seed's Horizon supervisors, filling the connection and listing queues", () => {
    const supervisors: QueueModuleOptions['supervisors'] = {
      production: {
        'supervisor-1': {
          connection: 'redis',
          queue: ['critical', 'high', 'default'],
          balance: 'auto',
          maxProcesses: 10,
          minProcesses: 1,
          balanceMaxShift: 1,
          balanceCooldown: 3,
          memory: 128,
          tries: 3,
          timeout: 90,
          nice: 0,
        },
        'long-running': {
          connection: 'redis-long',
          queue: ['exports', 'imports'],
          balance: 'simple',
          processes: 3,
          memory: 256,
          tries: 1,
          timeout: 600,
        },
      },
      local: { 'supervisor-1': { queue: 'priority', balance: false, processes: 3, tries: 1 } },
    };
    const config = resolve({ supervisors });
    expect(config.supervisors.production['supervisor-1']).toEqual(supervisors.production['supervisor-1']);
    expect(config.supervisors.production['long-running']).toEqual(supervisors.production['long-running']);
    expect(config.supervisors.local['supervisor-1']).toEqual({
      connection: 'redis',
      queue: ['priority', 'critical', 'high', 'default', 'low'],
      balance: false,
      processes: 3,
      tries: 1,
    });
  });

  it('reads a comma-string supervisor queue as a literal list', () => {
    const config = resolve({ supervisors: { local: { s: { queue: 'high, low' } } } });
    expect(config.supervisors.local.s.queue).toEqual(['high', 'low']);
  });
});

describe('resolveQueueConfig result is frozen', () => {
  const options: QueueModuleOptions = {
    redis: { queue: { host: 'h', tls: { servername: 'h' } } },
    supervisors: { local: { s: { queue: ['a'], backoff: [1, 5] } } },
    key: KEY_HEX,
  };
  const config = resolve(options);

  it('freezes the top level and every nested object and array', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.connections)).toBe(true);
    expect(Object.isFrozen(config.connections.redis)).toBe(true);
    expect(Object.isFrozen(config.redis.queue)).toBe(true);
    expect(Object.isFrozen((config.redis.queue as { tls: object }).tls)).toBe(true);
    expect(Object.isFrozen(config.databases.sqlite.connection)).toBe(true);
    expect(Object.isFrozen(config.supervisors.local.s.queue)).toBe(true);
    expect(Object.isFrozen(config.supervisors.local.s.backoff)).toBe(true);
    expect(Object.isFrozen(config.keys)).toBe(true);
    expect(Object.isFrozen(config.failed)).toBe(true);
  });

  it('rejects writes in strict mode', () => {
    expect(() => {
      (config as { prefix: string }).prefix = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (config.connections.redis as { retryAfter: number }).retryAfter = 1;
    }).toThrow(TypeError);
  });

  it('leaves key Buffers unfrozen and usable', () => {
    expect(Buffer.isBuffer(config.keys[0])).toBe(true);
    expect(Object.isFrozen(config.keys[0])).toBe(false);
  });

  it("does not freeze the caller's own objects", () => {
    expect(Object.isFrozen(options)).toBe(false);
    expect(Object.isFrozen(options.redis?.queue)).toBe(false);
    expect(Object.isFrozen(options.supervisors?.local.s.queue)).toBe(false);
  });

  it('returns a new object on every call', () => {
    expect(resolve()).not.toBe(resolve());
    expect(resolve().connections).toEqual(resolve().connections);
  });
});
