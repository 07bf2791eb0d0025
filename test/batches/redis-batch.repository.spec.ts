import Redis from 'ioredis';
import { RedisBatchRepository } from '../../lib/batches/redis-batch.repository';
import { BatchNotFoundError } from '../../lib/errors/batch.errors';
import { deletePrefix, inspectRedis, testRedisUrl, uniquePrefix } from '../support/test-redis';
import { batchId, describeBatchRepositoryContract } from './batch-repository.contract';

const prefixes: string[] = [];
let redis: Redis;
let inspect: Redis;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  inspect = inspectRedis();
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(inspect, prefix);
  await redis.quit();
  await inspect.quit();
});

function newPrefix(): string {
  const prefix = uniquePrefix('batches');
  prefixes.push(prefix);
  return prefix;
}

describeBatchRepositoryContract('redis', async () => new RedisBatchRepository(redis, newPrefix()));

describe('RedisBatchRepository', () => {
  it('keeps a batch in one hash and an index under the {batches} hash tag', async () => {
    const prefix = newPrefix();
    const repository = new RedisBatchRepository(redis, prefix);
    const id = batchId();
    await repository.store({ id, name: 'layout', options: { user: { a: 1 } }, createdAt: new Date(1_700_000_000_000) });
    await repository.incrementTotalJobs(id, 2);
    await repository.incrementFailedJobs(id, 'j1');
    const keys = (await inspect.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}{batches}:batch:${id}`, `${prefix}{batches}:index`]);
    expect(await inspect.hgetall(`${prefix}{batches}:batch:${id}`)).toEqual({
      id,
      name: 'layout',
      totalJobs: '2',
      pendingJobs: '2',
      failedJobs: '1',
      failedJobIds: '["j1"]',
      options: '{"user":{"a":1}}',
      createdAt: '1700000000000',
    });
    expect(await inspect.zscore(`${prefix}{batches}:index`, id)).toBe('1700000000000');
    await repository.decrementPendingJobs(id, 'j1');
    expect(await inspect.hget(`${prefix}{batches}:batch:${id}`, 'failedJobIds')).toBe('[]');
  });

  it('writes nothing for an update to a missing batch', async () => {
    const prefix = newPrefix();
    const repository = new RedisBatchRepository(redis, prefix);
    await expect(repository.decrementPendingJobs('ghost', 'j')).rejects.toBeInstanceOf(BatchNotFoundError);
    await expect(repository.cancel('ghost')).rejects.toBeInstanceOf(BatchNotFoundError);
    expect(await inspect.keys(`${prefix}*`)).toEqual([]);
  });

  it('works when two repositories share one client (scripts registered once)', async () => {
    const prefix = newPrefix();
    const a = new RedisBatchRepository(redis, prefix);
    const b = new RedisBatchRepository(redis, prefix);
    await a.store({ id: 'shared', name: '', options: {}, createdAt: new Date() });
    await b.incrementTotalJobs('shared', 1);
    expect(await a.decrementPendingJobs('shared', 'j')).toEqual({ pendingJobs: 0, failedJobs: 0 });
  });

  it('survives SCRIPT FLUSH (ioredis falls back from EVALSHA to EVAL)', async () => {
    const repository = new RedisBatchRepository(redis, newPrefix());
    await repository.store({ id: 'flushed', name: '', options: {}, createdAt: new Date() });
    await inspect.script('FLUSH');
    await repository.incrementTotalJobs('flushed', 1);
    expect((await repository.find('flushed'))?.pendingJobs).toBe(1);
  });

  it('prunes more batches than one script call looks at', async () => {
    const prefix = newPrefix();
    const repository = new RedisBatchRepository(redis, prefix);
    const old = new Date(Date.now() - 3600_000);
    const ids = Array.from({ length: 1234 }, (_, i) => `many-${i}`);
    await Promise.all(ids.map((id) => repository.store({ id, name: '', options: {}, createdAt: old })));
    // Every third one stays: it is unfinished, and only finished ones are pruned here.
    await Promise.all(ids.filter((_, i) => i % 3 !== 0).map((id) => repository.markAsFinished(id)));
    // An index entry whose hash vanished is cleaned up without being counted.
    await inspect.del(`${prefix}{batches}:batch:many-1`);
    const expected = ids.filter((_, i) => i % 3 !== 0).length - 1;
    expect(await repository.prune(new Date(Date.now() + 1000))).toBe(expected);
    expect(await inspect.zcard(`${prefix}{batches}:index`)).toBe(ids.filter((_, i) => i % 3 === 0).length);
    expect(await repository.prune(new Date(Date.now() + 1000), { unfinished: true })).toBe(412);
    expect(await inspect.keys(`${prefix}*`)).toEqual([]);
  });
});
