import Redis from 'ioredis';
import { ReplicationTimeoutError, QueueError, job } from '../../lib';
import type { RedisServerOptions } from '../../lib';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { ClusterTestApp, createAppOn, createClusterApp } from './support/cluster-app';
import { TrackedJob } from './support/failover-workload';
import { OwnedReplication, startReplication } from './support/replication';

jest.setTimeout(120000);

/**
 * Durable dispatch (`replicas: n`): a dispatch resolves only once n replicas hold the job. Proved by order of
 * events: a replica put to sleep (DEBUG SLEEP) cannot take the write, so a durable dispatch must resolve after
 * it wakes, and a plain one before.
 */
const apps: ClusterTestApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** Puts the replica to sleep for `seconds`; resolves when it answers again. */
function sleepReplica(replica: Redis, seconds: number): Promise<void> {
  return replica.call('DEBUG', 'SLEEP', String(seconds)).then(() => undefined);
}

/**
 * Dispatches while the replica sleeps and says which happened first: the dispatch resolving or the replica waking.
 * `replicas` sets the dispatch's own `.replicas(n)`.
 */
async function raceAgainstSleepingReplica(t: ClusterTestApp, replica: Redis, queue: string, replicas?: number): Promise<string[]> {
  const order: string[] = [];
  const woke = sleepReplica(replica, 2).then(() => order.push('replica woke'));
  // The replica is asleep once a command to it goes unanswered; give the DEBUG command a moment to arrive.
  await new Promise((r) => setTimeout(r, 100));
  const pending = t.bus.dispatch(TrackedJob, { n: 1 }).onQueue(queue);
  if (replicas !== undefined) pending.replicas(replicas);
  const sent = pending.then(() => order.push('dispatch resolved'));
  await Promise.all([woke, sent]);
  return order;
}

describe('durable dispatch on a primary with one replica', () => {
  let redis: OwnedReplication;
  let replica: Redis;
  const server = (extra: Partial<RedisServerOptions> = {}): RedisServerOptions => ({ host: '127.0.0.1', port: redis.primary.port, ...extra });

  beforeAll(async () => {
    redis = await startReplication({ replicaCount: 1 });
    replica = redis.client(redis.replicas[0].port);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('with replicas: 1 a dispatch resolves only after the replica holds the job', async () => {
    const t = await createAppOn(server({ replicas: 1, replicasTimeout: 10 }), [TrackedJob]);
    apps.push(t);
    await t.bus.dispatch(TrackedJob, { n: 0 }).onQueue('durable'); // Connect first.
    expect(await raceAgainstSleepingReplica(t, replica, 'durable')).toEqual(['replica woke', 'dispatch resolved']);
    expect(await replica.llen('queues:{durable}')).toBe(2);
  });

  it('without replicas a dispatch resolves as soon as the primary has the job (the control case)', async () => {
    const t = await createAppOn(server(), [TrackedJob]);
    apps.push(t);
    await t.bus.dispatch(TrackedJob, { n: 0 }).onQueue('plain');
    expect(await raceAgainstSleepingReplica(t, replica, 'plain')).toEqual(['dispatch resolved', 'replica woke']);
  });

  it('.replicas(1) makes one dispatch durable on a server without replicas, .replicas(0) one dispatch plain', async () => {
    const plain = await createAppOn(server({ replicasTimeout: 10 }), [TrackedJob]);
    const durable = await createAppOn(server({ replicas: 1, replicasTimeout: 10 }), [TrackedJob]);
    apps.push(plain, durable);
    await plain.bus.dispatch(TrackedJob, { n: 0 }).onQueue('own');
    await durable.bus.dispatch(TrackedJob, { n: 0 }).onQueue('own');
    expect(await raceAgainstSleepingReplica(plain, replica, 'own', 1)).toEqual(['replica woke', 'dispatch resolved']);
    expect(await raceAgainstSleepingReplica(durable, replica, 'own', 0)).toEqual(['dispatch resolved', 'replica woke']);
    expect(() => plain.bus.dispatch(TrackedJob, { n: 2 }).replicas(-1)).toThrow(QueueError);
    expect(() => plain.bus.dispatch(TrackedJob, { n: 2 }).replicas(1.5)).toThrow(/whole number of replicas/);
  });

  it('also makes dispatchMany and delayed dispatches durable', async () => {
    const t = await createAppOn(server({ replicas: 1 }), [TrackedJob]);
    apps.push(t);
    await t.bus.dispatchMany([1, 2, 3].map((n) => job(TrackedJob, { n }).onQueue('many')));
    await t.bus.dispatch(TrackedJob, { n: 4 }).onQueue('many').delay(60);
    expect(await replica.llen('queues:{many}')).toBe(3);
    expect(await replica.zcard('queues:{many}:delayed')).toBe(1);
  });

  it('rejects with a ReplicationTimeoutError when fewer replicas than asked confirm in time', async () => {
    const t = await createAppOn(server({ replicas: 2, replicasTimeout: 0.2 }), [TrackedJob]);
    apps.push(t);
    const error = await t.bus.dispatch(TrackedJob, { n: 1 }).onQueue('two').then(() => null, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ReplicationTimeoutError);
    expect(error).toBeInstanceOf(QueueError);
    expect(error?.message).toMatch(/Only 1 of 2 replica\(s\) of "queue" confirmed the job within 0.2 s/);
    expect(error?.message).toMatch(/replicas/);
  });
});

describe('durable dispatch on a Redis Cluster', () => {
  let cluster: OwnedRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("with replicas: 1 a dispatch resolves only after the replica of its queue's master holds the job", async () => {
    const t = await createClusterApp(cluster, [TrackedJob], {}, { replicas: 1, replicasTimeout: 10 });
    apps.push(t);
    await t.bus.dispatch(TrackedJob, { n: 0 }).onQueue('durable');
    const key = queueKeys('', 'durable', true).ready;
    const replicaPort = await cluster.replicaOf(await cluster.masterPortOf(key));
    const replica = new Redis({ port: replicaPort, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      expect(await raceAgainstSleepingReplica(t, replica, 'durable')).toEqual(['replica woke', 'dispatch resolved']);
      expect(await replica.call('READONLY')).toBe('OK');
      expect(await replica.llen(key)).toBe(2);
    } finally {
      replica.disconnect();
    }
  });
});
