import Redis from 'ioredis';
import { Batch } from '../../lib/batches/batch';
import type { BatchHost } from '../../lib/batches/batch-host.interface';
import type { BatchOptions, BatchRecord } from '../../lib/batches/batch-repository.interface';
import { RedisBatchRepository } from '../../lib/batches/redis-batch.repository';
import { BatchNotFoundError } from '../../lib/errors/batch.errors';
import { deletePrefix, inspectRedis, testRedisUrl, uniquePrefix } from '../support/test-redis';
import { batchId } from './batch-repository.contract';

let redis: Redis;
let host: BatchHost & { added: unknown[][] };
const prefix = uniquePrefix('batch');

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  const repository = new RedisBatchRepository(redis, prefix);
  const added: unknown[][] = [];
  host = {
    repository,
    added,
    // Stands in for the Bus: raise the totals, remember what would be pushed.
    async addJobs(batch: BatchRecord, jobs: unknown[]) {
      added.push(jobs);
      await repository.incrementTotalJobs(batch.id, jobs.length);
    },
  };
});

afterAll(async () => {
  const inspect = inspectRedis();
  await deletePrefix(inspect, prefix);
  await inspect.quit();
  await redis.quit();
});

async function stored(jobs: number, options: BatchOptions = {}): Promise<Batch> {
  const id = batchId('object');
  await host.repository.store({ id, name: 'Import', options, createdAt: new Date(1_700_000_000_456) });
  if (jobs) await host.repository.incrementTotalJobs(id, jobs);
  const record = await host.repository.find(id);
  if (!record) throw new Error('stored batch not found');
  return new Batch(record, host);
}

describe('Batch', () => {
  it('exposes the stored fields, and the user options as `options`', async () => {
    const batch = await stored(3, { allowFailures: true, queue: 'imports', user: { userId: 9 } });
    expect(batch.name).toBe('Import');
    expect(batch.totalJobs).toBe(3);
    expect(batch.pendingJobs).toBe(3);
    expect(batch.failedJobs).toBe(0);
    expect(batch.failedJobIds).toEqual([]);
    expect(batch.options).toEqual({ userId: 9 });
    expect(batch.createdAt).toEqual(new Date(1_700_000_000_456));
    expect(batch.cancelledAt).toBeNull();
    expect(batch.finishedAt).toBeNull();
    expect(batch.allowsFailures()).toBe(true);
    expect(batch.hasFailures()).toBe(false);
  });

  it('has empty options when none were given', async () => {
    expect((await stored(1)).options).toEqual({});
    expect((await stored(1)).allowsFailures()).toBe(false);
  });

  it('reports progress after each job, and processedJobs', async () => {
    let batch = await stored(4);
    const seen: [number, number][] = [[batch.processedJobs(), batch.progress()]];
    for (let i = 1; i <= 4; i++) {
      await host.repository.decrementPendingJobs(batch.id, `j${i}`);
      batch = await batch.fresh();
      seen.push([batch.processedJobs(), batch.progress()]);
    }
    expect(seen).toEqual([
      [0, 0],
      [1, 25],
      [2, 50],
      [3, 75],
      [4, 100],
    ]);
  });

  it('rounds progress to an integer; an empty batch is at 0', async () => {
    let batch = await stored(3);
    await host.repository.decrementPendingJobs(batch.id, 'j1');
    batch = await batch.fresh();
    expect(batch.progress()).toBe(33);
    await host.repository.decrementPendingJobs(batch.id, 'j2');
    expect((await batch.fresh()).progress()).toBe(67);
    const empty = await stored(0);
    expect(empty.progress()).toBe(0);
    expect(empty.processedJobs()).toBe(0);
  });

  it('a failed job counts as a failure, not as processed', async () => {
    const batch = await stored(2);
    await host.repository.incrementFailedJobs(batch.id, 'j1');
    const now = await batch.fresh();
    expect(now.hasFailures()).toBe(true);
    expect(now.failedJobIds).toEqual(['j1']);
    expect(now.processedJobs()).toBe(0);
    expect(now.progress()).toBe(0);
  });

  it('is a snapshot: fresh() reads the batch again', async () => {
    const batch = await stored(2);
    await host.repository.decrementPendingJobs(batch.id, 'j1');
    expect(batch.pendingJobs).toBe(2);
    const fresh = await batch.fresh();
    expect(fresh).not.toBe(batch);
    expect(fresh.pendingJobs).toBe(1);
    expect(fresh.id).toBe(batch.id);
  });

  it('cancel() cancels the stored batch: fresh() is cancelled and finished', async () => {
    const batch = await stored(2);
    await batch.cancel();
    const fresh = await batch.fresh();
    expect(fresh.cancelled()).toBe(true);
    expect(fresh.finished()).toBe(true);
    expect(fresh.cancelledAt).toBeInstanceOf(Date);
  });

  it('finished() once every job succeeded and the batch was marked finished', async () => {
    const batch = await stored(1);
    await host.repository.decrementPendingJobs(batch.id, 'j1');
    await host.repository.markAsFinished(batch.id);
    const fresh = await batch.fresh();
    expect(fresh.finished()).toBe(true);
    expect(fresh.cancelled()).toBe(false);
  });

  it('add() hands the jobs to the host and returns the batch afresh', async () => {
    const batch = await stored(1);
    const more = await batch.add([{ job: 'a' }, { job: 'b' }]);
    expect(host.added.at(-1)).toEqual([{ job: 'a' }, { job: 'b' }]);
    expect(more.totalJobs).toBe(3);
    expect(more.pendingJobs).toBe(3);
    expect(batch.totalJobs).toBe(1);
  });

  it('fresh() of a deleted batch throws BatchNotFoundError', async () => {
    const batch = await stored(1);
    await host.repository.delete(batch.id);
    await expect(batch.fresh()).rejects.toBeInstanceOf(BatchNotFoundError);
  });

  it('serialises to its public fields only', async () => {
    const batch = await stored(2, { user: { a: 1 }, then: [{ job: 'x', data: {} }] });
    const json = JSON.parse(JSON.stringify(batch)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      ['cancelledAt', 'createdAt', 'failedJobIds', 'failedJobs', 'finishedAt', 'id', 'name', 'options', 'pendingJobs', 'totalJobs'].sort(),
    );
    expect(json.options).toEqual({ a: 1 });
    expect(json.createdAt).toBe('2023-11-14T22:13:20.456Z');
  });

  it('does not share its arrays or dates with the record it was made from', async () => {
    const record: BatchRecord = {
      id: 'r',
      name: '',
      totalJobs: 1,
      pendingJobs: 1,
      failedJobs: 1,
      failedJobIds: ['j1'],
      options: {},
      createdAt: new Date(0),
      cancelledAt: null,
      finishedAt: null,
    };
    const batch = new Batch(record, host);
    record.failedJobIds.push('j2');
    record.createdAt.setTime(5);
    expect(batch.failedJobIds).toEqual(['j1']);
    expect(batch.createdAt.getTime()).toBe(0);
  });
});
