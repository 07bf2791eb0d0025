import type { Cluster } from 'ioredis';
import { RedisBatchRepository } from '../../lib/batches/redis-batch.repository';
import { RedisFailedJobStore } from '../../lib/failed/redis-failed-job.store';
import { describeBatchRepositoryContract } from '../batches/batch-repository.contract';
import { failedJobStoreContract } from '../failed/failed-job-store.contract';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/test-redis';

jest.setTimeout(120000);

let cluster: OwnedRedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('RedisFailedJobStore on a Redis Cluster', () => {
  failedJobStoreContract(async () => new RedisFailedJobStore(client, uniquePrefix('failed')));
});

describeBatchRepositoryContract('redis cluster', async () => new RedisBatchRepository(client, uniquePrefix('batches')));
