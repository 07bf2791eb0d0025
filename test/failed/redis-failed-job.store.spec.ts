import Redis from 'ioredis';
import { RedisFailedJobStore } from '../../lib/failed/redis-failed-job.store';
import { deletePrefix, inspectRedis, uniquePrefix } from '../support/test-redis';
import { failedJobStoreContract, failedRecord } from './failed-job-store.contract';

describe('RedisFailedJobStore', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const openStore = (): { store: RedisFailedJobStore; prefix: string } => {
    const prefix = uniquePrefix('failed');
    prefixes.push(prefix);
    return { store: new RedisFailedJobStore(redis, prefix), prefix };
  };
  const keysUnder = async (prefix: string): Promise<string[]> => (await redis.keys(`${prefix}*`)).sort();

  beforeAll(() => {
    redis = inspectRedis();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(redis, prefix);
    await redis.quit();
  });

  describe('contract', () => {
    failedJobStoreContract(async () => openStore().store);
  });

  it('keeps a record in one hash and its id in one sorted set, all keys sharing the {failed} hash tag', async () => {
    const { store, prefix } = openStore();
    const record = failedRecord({ failedAt: new Date('2024-01-02T03:04:05.678Z') });
    await store.log(record);

    expect(await keysUnder(prefix)).toEqual([`${prefix}{failed}:job:${record.id}`, `${prefix}{failed}:jobs`]);
    expect(await redis.zscore(`${prefix}{failed}:jobs`, record.id)).toBe(String(record.failedAt.getTime()));
    expect(await redis.hget(`${prefix}{failed}:job:${record.id}`, 'queue')).toBe(record.queue);
  });

  it('leaves no keys behind after forget', async () => {
    const { store, prefix } = openStore();
    const record = failedRecord();
    await store.log(record);

    await store.forget(record.id);

    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('leaves no record hashes behind after flush and prune', async () => {
    const { store, prefix } = openStore();
    const old = failedRecord({ failedAt: new Date('2020-01-01T00:00:00Z') });
    const recent = failedRecord({ failedAt: new Date() });
    await store.log(old);
    await store.log(recent);

    await store.prune(new Date(Date.now() - 60_000));
    expect(await keysUnder(prefix)).toEqual([`${prefix}{failed}:job:${recent.id}`, `${prefix}{failed}:jobs`]);

    await store.flush();
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('does not see the records of a store with another prefix', async () => {
    const a = openStore().store;
    const b = openStore().store;
    const record = failedRecord();
    await a.log(record);

    expect(await b.find(record.id)).toBeNull();
    expect(await b.ids()).toEqual([]);
    expect(await b.flush()).toBe(0);
    expect(await a.ids()).toEqual([record.id]);
  });

  it('leaves the shared Redis client open on close', async () => {
    const { store } = openStore();
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });
});
