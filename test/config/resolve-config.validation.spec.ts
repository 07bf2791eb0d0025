import type { SupervisorOptions } from '../../lib/config/queue-options.interface';
import { configError, expectConfigError, KEY_BASE64, KEY_HEX, resolve, untyped } from './config-test-helpers';

describe('resolveQueueConfig top level', () => {
  it('refuses an unknown top-level key, suggesting the near miss and listing the known keys', () => {
    expectConfigError(
      () => resolve(untyped({ conections: {} })),
      'conections',
      'unknown setting "conections"',
      'did you mean "connections"?',
      /default, redis, connections, queues, failed, databases, batching, prefix, key, previousKeys, supervisors, horizon, maxPayloadBytes/,
    );
  });

  it('refuses options that are not an object', () => {
    expectConfigError(() => resolve(untyped([] as unknown as Record<string, unknown>)), 'options', 'must be an object');
  });

  it('refuses a section that is not an object', () => {
    expectConfigError(() => resolve(untyped({ connections: 'redis' })), 'connections', 'must be an object');
    expectConfigError(() => resolve(untyped({ redis: null })), 'redis', 'must be an object');
  });
});

describe('resolveQueueConfig default connection', () => {
  it('refuses a default that names no connection, listing the defined ones', () => {
    expectConfigError(() => resolve({ default: 'sqs' }), 'default', 'no connection named "sqs"', /redis, redis-long/);
  });

  it('does not mistake inherited object properties for connections', () => {
    expectConfigError(() => resolve({ default: 'toString' }), 'default', 'no connection named "toString"');
    expectConfigError(
      () => resolve({ supervisors: { local: { s: { queue: 'a', connection: 'constructor' } } } }),
      'supervisors.local.s.connection',
      'no connection named "constructor"',
    );
  });

  it('says when the bad default came from QUEUE_CONNECTION', () => {
    expectConfigError(() => resolve({}, { QUEUE_CONNECTION: 'beanstalkd' }), 'default', 'QUEUE_CONNECTION environment variable');
  });
});

describe('resolveQueueConfig connections', () => {
  it('refuses an unknown driver, naming the supported ones', () => {
    expectConfigError(
      () => resolve(untyped({ connections: { aws: { driver: 'sqs' } } })),
      'connections.aws.driver',
      'unknown driver "sqs"',
      "supported drivers are 'redis', 'sync' and 'database'",
    );
  });

  it('requires a driver on a new connection', () => {
    expectConfigError(() => resolve(untyped({ connections: { x: { queue: 'a' } } })), 'connections.x.driver', 'is required');
  });

  it('refuses a connection naming an undefined Redis server', () => {
    expectConfigError(
      () => resolve({ connections: { x: { driver: 'redis', connection: 'cache' } } }),
      'connections.x.connection',
      'no Redis server named "cache"',
      'queue, default',
    );
  });

  it.each([0, -1, Infinity, NaN, '90'])('refuses retryAfter %p', (retryAfter) => {
    expectConfigError(
      () => resolve(untyped({ connections: { 'redis-long': { driver: 'redis', retryAfter } } })),
      'connections.redis-long.retryAfter',
      'must be a number greater than 0',
    );
  });

  it.each([-1, Infinity, 'forever'])('refuses blockFor %p', (blockFor) => {
    expectConfigError(
      () => resolve(untyped({ connections: { redis: { driver: 'redis', blockFor } } })),
      'connections.redis.blockFor',
      'must be a number 0 or more',
    );
  });

  it('accepts blockFor 0 and null', () => {
    expect(resolve({ connections: { redis: { driver: 'redis', blockFor: 0 } } }).connections.redis).toMatchObject({ blockFor: 0 });
    expect(resolve({ connections: { redis: { driver: 'redis', blockFor: null } } }).connections.redis).toMatchObject({ blockFor: null });
  });

  it('accepts afterCommit: true on a redis connection', () => {
    expect(resolve({ connections: { redis: { driver: 'redis', afterCommit: true } } }).connections.redis).toMatchObject({ afterCommit: true });
  });

  it('refuses a non-boolean afterCommit', () => {
    expectConfigError(
      () => resolve(untyped({ connections: { redis: { driver: 'redis', afterCommit: 'no' } } })),
      'connections.redis.afterCommit',
      'must be one of true, false',
    );
  });

  it('refuses an empty queue name', () => {
    expectConfigError(
      () => resolve({ connections: { redis: { driver: 'redis', queue: ' ' } } }),
      'connections.redis.queue',
      'is empty; give the queue a name',
    );
  });

  it("refuses Laravel's snake_case keys, pointing to the camelCase one", () => {
    expectConfigError(
      () => resolve(untyped({ connections: { redis: { driver: 'redis', retry_after: 90 } } })),
      'connections.redis.retry_after',
      'did you mean "retryAfter"?',
    );
  });

  it('refuses redis settings on a sync connection', () => {
    expectConfigError(() => resolve(untyped({ connections: { sync: { driver: 'sync', retryAfter: 5 } } })), 'connections.sync.retryAfter');
  });
});

describe('resolveQueueConfig redis servers', () => {
  it('refuses a server entry that is not an object', () => {
    expectConfigError(() => resolve(untyped({ redis: { cache: 'redis://x' } })), 'redis.cache', 'must be an object');
  });

  it('refuses a url that does not parse, without echoing it', () => {
    const error = configError(() => resolve({ redis: { cache: { url: 'not a url :secret' } } }));
    expect(error.key).toBe('redis.cache.url');
    expect(error.message).toContain('is not a valid URL');
    expect(error.message).not.toContain('secret');
  });

  it('refuses a url with another scheme', () => {
    expectConfigError(() => resolve({ redis: { cache: { url: 'http://x:6379' } } }), 'redis.cache.url', 'redis:// or rediss://', '"http://"');
  });

  it('says when the bad url came from REDIS_URL', () => {
    expectConfigError(() => resolve({}, { REDIS_URL: 'localhost:6379' }), 'redis.queue.url', 'REDIS_URL environment variable');
  });

  it.each([[[]], ['10.0.0.1:7000'], [null]])('refuses cluster %p', (cluster) => {
    expectConfigError(() => resolve(untyped({ redis: { c: { cluster } } })), 'redis.c.cluster', 'non-empty array');
  });

  it('refuses a cluster node of the wrong type', () => {
    expectConfigError(() => resolve(untyped({ redis: { c: { cluster: [{ host: 'a', port: 1 }, true] } } })), 'redis.c.cluster.1');
  });
});

describe('resolveQueueConfig queues', () => {
  it.each(['', 'a,,b', 'a,', ' , '])('refuses the queue list %p', (list) => {
    expectConfigError(() => resolve({ queues: { bad: list } }), 'queues.bad', /empty/);
  });

  it('refuses a queue list that is not a string', () => {
    expectConfigError(() => resolve(untyped({ queues: { bad: ['a', 'b'] } })), 'queues.bad', 'comma-separated');
  });
});

describe('resolveQueueConfig failed store', () => {
  it('refuses an unknown failed driver', () => {
    expectConfigError(
      () => resolve(untyped({ failed: { driver: 'dynamodb' } })),
      'failed.driver',
      "must be one of 'database', 'redis', 'null'",
    );
  });

  it('says when the bad failed driver came from QUEUE_FAILED_DRIVER', () => {
    expectConfigError(() => resolve({}, { QUEUE_FAILED_DRIVER: 'file' }), 'failed.driver', 'QUEUE_FAILED_DRIVER environment variable');
  });

  it('refuses a failed database that is not defined', () => {
    expectConfigError(
      () => resolve({ failed: { driver: 'database', database: 'oracle' } }),
      'failed.database',
      'no database named "oracle"',
      'sqlite, mysql, pgsql',
    );
  });

  it('says when the undefined failed database came from DB_CONNECTION', () => {
    expectConfigError(() => resolve({}, { DB_CONNECTION: 'sqlsrv' }), 'failed.database', 'DB_CONNECTION environment variable');
  });

  it('does not check the database when the failed driver is not database', () => {
    expect(resolve({ failed: { driver: 'null' } }, { DB_CONNECTION: 'sqlsrv' }).failed).toEqual({ driver: 'null' });
  });

  it('refuses a failed table that is not an identifier', () => {
    expectConfigError(() => resolve({ failed: { driver: 'database', table: 'failed jobs;' } }), 'failed.table');
  });

  it('refuses a redis failed store naming neither a connection nor a server', () => {
    expectConfigError(
      () => resolve({ failed: { driver: 'redis', connection: 'nowhere' } }),
      'failed.connection',
      'neither a queue connection nor a Redis server',
    );
  });

  it('refuses a redis failed store on the sync connection', () => {
    expectConfigError(() => resolve({ failed: { driver: 'redis', connection: 'sync' } }), 'failed.connection', 'sync connection');
  });

  it('refuses settings of another failed driver', () => {
    expectConfigError(() => resolve(untyped({ failed: { driver: 'redis', table: 'x' } })), 'failed.table', 'unknown setting');
  });
});

describe('resolveQueueConfig batching', () => {
  it('refuses an unknown batching driver', () => {
    expectConfigError(() => resolve(untyped({ batching: { driver: 'null' } })), 'batching.driver', "'redis', 'database'");
  });

  it('refuses a batching database that is not defined', () => {
    expectConfigError(() => resolve({ batching: { driver: 'database', database: 'nope' } }), 'batching.database', 'no database named "nope"');
  });

  it('refuses a redis batching connection naming nothing defined', () => {
    expectConfigError(() => resolve({ batching: { driver: 'redis', connection: 'nope' } }), 'batching.connection');
  });
});

describe('resolveQueueConfig databases', () => {
  it('requires a client string on a new database', () => {
    expectConfigError(() => resolve(untyped({ databases: { x: { connection: 'postgres://x' } } })), 'databases.x.client', 'non-empty string');
  });

  it('requires a connection on a new database', () => {
    expectConfigError(() => resolve(untyped({ databases: { x: { client: 'pg' } } })), 'databases.x.connection', 'connection URL string');
  });

  it('refuses a database entry that is not an object', () => {
    expectConfigError(() => resolve(untyped({ databases: { x: 'postgres://x' } })), 'databases.x', 'knex configuration object');
  });
});

describe('resolveQueueConfig prefix and payload limit', () => {
  it('refuses a prefix that is not a string', () => {
    expectConfigError(() => resolve(untyped({ prefix: 5 })), 'prefix', 'must be a string');
  });

  it.each([0, -1, 1.5, '512'])('refuses maxPayloadBytes %p', (maxPayloadBytes) => {
    expectConfigError(() => resolve(untyped({ maxPayloadBytes })), 'maxPayloadBytes', 'must be an integer greater than 0');
  });
});

describe('resolveQueueConfig encryption keys', () => {
  it('accepts base64 and hex keys', () => {
    expect(resolve({ key: KEY_BASE64 }).keys[0]).toHaveLength(32);
    expect(resolve({ key: KEY_HEX.toUpperCase() }).keys[0].toString('hex')).toBe(KEY_HEX);
  });

  it.each([
    ['a base64 key of 16 bytes', `base64:${Buffer.alloc(16).toString('base64')}`, 'decodes to 16 bytes'],
    ['broken base64', 'base64:!!!not-base64!!!', 'not valid base64'],
    ['63 hex digits', 'a'.repeat(63), '64 hex digits'],
    ['a plain passphrase', 'correct horse battery staple', '64 hex digits'],
  ])('refuses %s', (_what, key, fragment) => {
    const error = configError(() => resolve({ key }));
    expect(error.key).toBe('key');
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain(key);
  });

  it('says when the bad key came from QUEUE_KEY', () => {
    expectConfigError(() => resolve({}, { QUEUE_KEY: 'short' }), 'key', 'QUEUE_KEY environment variable');
  });

  it('refuses a bad previous key at its index', () => {
    expectConfigError(() => resolve({ key: KEY_HEX, previousKeys: [KEY_BASE64, 'nope'] }), 'previousKeys.1');
  });

  it('refuses previousKeys that are not an array', () => {
    expectConfigError(() => resolve(untyped({ key: KEY_HEX, previousKeys: KEY_BASE64 })), 'previousKeys', 'must be an array');
  });

  it('refuses previous keys without a current key', () => {
    expectConfigError(() => resolve({ previousKeys: [KEY_BASE64] }), 'previousKeys', 'set `key`');
  });
});

describe('resolveQueueConfig supervisors', () => {
  const withSupervisor = (supervisor: Partial<SupervisorOptions> | Record<string, unknown>) =>
    resolve(untyped({ supervisors: { production: { 'supervisor-1': { queue: ['default'], ...supervisor } } } }));
  const at = 'supervisors.production.supervisor-1';

  it('refuses an environment that is not an object', () => {
    expectConfigError(() => resolve(untyped({ supervisors: { production: [] } })), 'supervisors.production', 'must be an object');
  });

  it.each([[[]], [''], [' , '], [undefined], [5]])('refuses queue %p', (queue) => {
    expectConfigError(() => withSupervisor({ queue }), `${at}.queue`);
  });

  it('refuses an empty name inside a queue array', () => {
    expectConfigError(() => withSupervisor({ queue: ['high', ''] }), `${at}.queue.1`);
  });

  it('refuses a connection that is not defined', () => {
    expectConfigError(() => withSupervisor({ connection: 'nope' }), `${at}.connection`, 'no connection named "nope"');
  });

  it('refuses a sync connection', () => {
    expectConfigError(() => withSupervisor({ connection: 'sync' }), `${at}.connection`, 'need a redis connection');
  });

  it.each(['fast', true, 'AUTO'])('refuses balance %p', (balance) => {
    expectConfigError(() => withSupervisor({ balance }), `${at}.balance`, "'auto', 'simple', false");
  });

  it('refuses an unknown autoScalingStrategy', () => {
    expectConfigError(() => withSupervisor({ autoScalingStrategy: 'memory' }), `${at}.autoScalingStrategy`);
  });

  it.each(['processes', 'maxProcesses', 'minProcesses', 'balanceMaxShift', 'balanceCooldown', 'memory', 'tries', 'timeout', 'sleep', 'maxJobs', 'maxTime', 'rest'])(
    'refuses a negative %s',
    (field) => {
      expectConfigError(() => withSupervisor({ [field]: -1 }), `${at}.${field}`, '0 or more');
    },
  );

  it('refuses a fractional process count', () => {
    expectConfigError(() => withSupervisor({ processes: 2.5 }), `${at}.processes`, 'integer');
  });

  it('refuses minProcesses above maxProcesses', () => {
    expectConfigError(() => withSupervisor({ minProcesses: 5, maxProcesses: 2 }), `${at}.minProcesses`, '5 > 2');
  });

  it('refuses concurrency 0 and nice outside -20..19', () => {
    expectConfigError(() => withSupervisor({ concurrency: 0 }), `${at}.concurrency`);
    expectConfigError(() => withSupervisor({ nice: 20 }), `${at}.nice`, 'from -20 to 19');
  });

  it('refuses a negative backoff, alone or in a list', () => {
    expectConfigError(() => withSupervisor({ backoff: -1 }), `${at}.backoff`);
    expectConfigError(() => withSupervisor({ backoff: [1, -5] }), `${at}.backoff.1`);
  });

  it('refuses an unknown supervisor setting', () => {
    expectConfigError(() => withSupervisor({ max_processes: 3 }), `${at}.max_processes`, 'did you mean "maxProcesses"?');
  });
});
