import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { describeQueueDriverContract } from '../drivers/queue-driver.contract';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { queuesOnDistinctMasters } from './support/cluster-queues';
import { waitUntil } from '../support/test-redis';

jest.setTimeout(120000);

let cluster: OwnedRedisCluster;
let connections: RedisConnections;
const queues = { high: '', low: '', other: '' };

beforeAll(async () => {
  cluster = await startRedisCluster();
  connections = new RedisConnections({ redis: { cluster: { cluster: cluster.seeds } } });
  const [high, low, other] = await queuesOnDistinctMasters(cluster, 'nq-test:', 3);
  Object.assign(queues, { high, low, other });
});

afterAll(async () => {
  await connections?.closeAll();
  await cluster?.stop();
});

it('the contract queues live on three different masters', async () => {
  const masters = await Promise.all([queues.high, queues.low, queues.other].map((q) => cluster.masterPortOf(queueKeys('nq-test:', q, true).ready)));
  expect(new Set(masters).size).toBe(3);
});

describeQueueDriverContract(
  'Redis Cluster (3 masters, 3 replicas)',
  async ({ retryAfter, prefix }) =>
    new RedisQueueDriver(connections, { connectionName: 'redis', server: 'cluster', prefix, retryAfter, blockFor: null }),
  queues,
);

it('an idle wait begun as its blocking client connects to the node lasts past the client\'s 5 s connect deadline and ends on the next push', async () => {
  const prefix = `nq-test:wait-${Date.now()}:`;
  const driver = new RedisQueueDriver(connections, { connectionName: 'redis', server: 'cluster', prefix, retryAfter: 60, blockFor: 30 });
  const payload = () => `{"v":1,"uuid":"w-${Math.random()}","job":"Wait","data":{}}`;
  let ended = false;
  const waiting = driver.waitForJobs([queues.high], 30).then(() => void (ended = true));
  // ioredis ends a blocking command queued while its connection to the node opens after blockingTimeout (5 s),
  // while the node goes on blocking it.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  expect(ended).toBe(false);
  await driver.push(queues.high, payload());
  await waitUntil(() => ended, 'the wait to end on the push', 10000);
  await waiting;
  const [job] = await driver.pop([queues.high], 1);
  expect(job).toBeDefined();
  await driver.ack(job);
  await driver.close();
});
