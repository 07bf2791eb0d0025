import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { deletePrefix, inspectRedis, testRedisUrl } from '../support/test-redis';
import { describeQueueDriverContract } from './queue-driver.contract';

const connections = new RedisConnections({ redis: { default: { url: testRedisUrl() } } });
const prefixes: string[] = [];

afterAll(async () => {
  await connections.closeAll();
  const redis = inspectRedis();
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

describeQueueDriverContract(
  'Redis (single server)',
  async ({ retryAfter, prefix }) => {
    prefixes.push(prefix);
    return new RedisQueueDriver(connections, { connectionName: 'redis', server: 'default', prefix, retryAfter, blockFor: null });
  },
  { high: 'high', low: 'low', other: 'other' },
);
