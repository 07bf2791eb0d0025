import { RedisConnections } from '../../lib/redis/redis-connections';
import { queueServerOptions, withoutQueueOptions } from '../../lib/redis/server-options';
import { isFailoverError } from '../../lib/redis/failover-retry';
import { QueueClosedError } from '../../lib';
import { expectConfigError, resolve, untyped } from '../config/config-test-helpers';

describe('Redis server options failoverTimeout, replicas, replicasTimeout', () => {
  it('are accepted on a URL server, an ioredis-options server and a cluster', () => {
    const config = resolve({
      redis: {
        queue: { url: 'redis://127.0.0.1:7001', replicas: 1, replicasTimeout: 0.5, failoverTimeout: 5 },
        plain: { host: '127.0.0.1', port: 7002, replicas: 2 },
        cluster: { cluster: [{ host: '127.0.0.1', port: 7003 }], failoverTimeout: 30 },
      },
    });
    expect(queueServerOptions('queue', config.redis.queue)).toEqual({ server: 'queue', failoverTimeout: 5, replicas: 1, replicasTimeout: 0.5 });
    expect(queueServerOptions('plain', config.redis.plain)).toMatchObject({ failoverTimeout: 0, replicas: 2, replicasTimeout: 1 });
    expect(queueServerOptions('cluster', config.redis.cluster)).toMatchObject({ failoverTimeout: 30, replicas: 0 });
  });

  it('default failoverTimeout to 20 s where a failover can happen (cluster, Sentinel) and 0 on a single server', () => {
    expect(queueServerOptions('c', { cluster: [7000] }).failoverTimeout).toBe(20);
    expect(queueServerOptions('s', { sentinels: [{ host: 'a', port: 26379 }], name: 'mymaster' }).failoverTimeout).toBe(20);
    expect(queueServerOptions('u', { url: 'redis://a:6380' }).failoverTimeout).toBe(0);
  });

  it('are never passed to ioredis', () => {
    expect(withoutQueueOptions({ host: 'a', replicas: 1, failoverTimeout: 3, replicasTimeout: 2 })).toEqual({ host: 'a' });
  });

  it.each([
    [{ replicas: -1 }, 'redis.queue.replicas', 'integer'],
    [{ replicas: 1.5 }, 'redis.queue.replicas', 'integer'],
    [{ replicas: '1' }, 'redis.queue.replicas', 'got the string "1"'],
    [{ failoverTimeout: -2 }, 'redis.queue.failoverTimeout', '0 to 3600'],
    [{ failoverTimeout: 'soon' }, 'redis.queue.failoverTimeout', 'number'],
    [{ replicasTimeout: 0 }, 'redis.queue.replicasTimeout', 'number'],
  ])('refuses %p with a clear error', (bad, key, fragment) => {
    expectConfigError(() => resolve(untyped({ redis: { queue: { url: 'redis://127.0.0.1:7001', ...bad } } })), key, fragment);
  });

  it('a closed RedisConnections refuses to hand out a dispatch writer', async () => {
    const connections = new RedisConnections({ redis: { queue: { url: 'redis://127.0.0.1:1' } } });
    await connections.closeAll();
    expect(() => connections.writer('queue')).toThrow(QueueClosedError);
  });
});

describe('isFailoverError', () => {
  it.each([
    'Too many Cluster redirections. Last error: Error: Connection is closed.',
    'CLUSTERDOWN The cluster is down',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    'READONLY You can\'t write against a read only replica.',
    'connect ECONNREFUSED 127.0.0.1:7000',
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
  ])('treats %p as a failover', (message) => {
    expect(isFailoverError(new Error(message))).toBe(true);
  });

  it.each(['ERR Error running script', 'WRONGTYPE Operation against a key holding the wrong kind of value', 'Cluster is ended.'])(
    'does not retry %p',
    (message) => {
      expect(isFailoverError(new Error(message))).toBe(false);
    },
  );

  it('does not retry after the application closed its connections', () => {
    expect(isFailoverError(new QueueClosedError('queue'))).toBe(false);
  });
});
