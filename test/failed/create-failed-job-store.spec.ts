import Redis from 'ioredis';
import type { ResolvedFailedStore, ResolvedQueueConfig } from '../../lib/config/resolved-config.interface';
import { QueueConfigError } from '../../lib/errors';
import { resolveQueueConfig } from '../../lib/config/resolve-config';
import { createFailedJobStore } from '../../lib/failed/create-failed-job-store';
import { DatabaseFailedJobStore } from '../../lib/failed/database-failed-job.store';
import type { FailedJobStore } from '../../lib/failed/failed-job-store.interface';
import { NullFailedJobStore } from '../../lib/failed/null-failed-job.store';
import { RedisFailedJobStore } from '../../lib/failed/redis-failed-job.store';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { deletePrefix, inspectRedis, testRedisUrl, uniquePrefix } from '../support/test-redis';
import { failedRecord } from './failed-job-store.contract';

describe('createFailedJobStore', () => {
  let database: TestDatabase;
  let connections: RedisConnections;
  let inspect: Redis;
  const prefix = uniquePrefix('failed-factory');
  const stores: FailedJobStore[] = [];

  const configWith = (failed: ResolvedFailedStore): ResolvedQueueConfig => ({
    default: 'redis',
    redis: { default: { url: testRedisUrl() } },
    connections: {},
    queues: {},
    failed,
    databases: { main: database.options },
    batching: { driver: 'redis', server: 'default' },
    prefix,
    keys: [],
    supervisors: {},
    horizon: resolveQueueConfig({}).horizon,
    maxPayloadBytes: 512 * 1024,
  });
  const create = (failed: ResolvedFailedStore): FailedJobStore => {
    const store = createFailedJobStore(configWith(failed), connections);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    connections = new RedisConnections({ redis: { default: { url: testRedisUrl() } } });
    inspect = inspectRedis();
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await connections.closeAll();
    await deletePrefix(inspect, prefix);
    await inspect.quit();
    await database.drop();
  });

  it('builds a database store on the named database and table', async () => {
    const store = create({ driver: 'database', database: 'main', table: 'my_failed_jobs' });
    expect(store).toBeInstanceOf(DatabaseFailedJobStore);

    const record = failedRecord();
    await store.log(record);

    const check = new DatabaseFailedJobStore(database.options, 'my_failed_jobs');
    stores.push(check);
    expect(await check.find(record.id)).toEqual(record);
  });

  it('refuses a database name missing from databases, naming failed.database', () => {
    let thrown: unknown;
    try {
      create({ driver: 'database', database: 'reporting', table: 'failed_jobs' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(QueueConfigError);
    expect((thrown as QueueConfigError).key).toBe('failed.database');
    expect((thrown as Error).message).toContain('"reporting"');
  });

  it('builds a redis store on the named server under the configured prefix', async () => {
    const store = create({ driver: 'redis', server: 'default' });
    expect(store).toBeInstanceOf(RedisFailedJobStore);

    const record = failedRecord();
    await store.log(record);

    expect(await inspect.zrange(`${prefix}{failed}:jobs`, 0, '-1')).toEqual([record.id]);
  });

  it('builds a null store for the null driver', () => {
    expect(create({ driver: 'null' })).toBeInstanceOf(NullFailedJobStore);
  });
});
