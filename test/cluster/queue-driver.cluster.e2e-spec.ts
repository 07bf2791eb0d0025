import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { describeQueueDriverContract } from '../drivers/queue-driver.contract';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { queuesOnDistinctMasters } from './support/cluster-queues';

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
