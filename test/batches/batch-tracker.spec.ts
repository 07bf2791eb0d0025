import Redis from 'ioredis';
import { BatchTracker, BatchCallbackKind } from '../../lib/batches/batch-tracker';
import type { BatchOptions, BatchRecord, BatchRepository } from '../../lib/batches/batch-repository.interface';
import { DatabaseBatchRepository } from '../../lib/batches/database-batch.repository';
import { RedisBatchRepository } from '../../lib/batches/redis-batch.repository';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { deletePrefix, inspectRedis, testRedisUrl, uniquePrefix } from '../support/test-redis';
import { batchId } from './batch-repository.contract';

interface Call {
  which: BatchCallbackKind;
  batch: BatchRecord;
  error?: Error;
}

const callbacks: BatchOptions = {
  then: [{ job: 'then-job', data: {} }],
  catch: [{ job: 'catch-job', data: {} }],
  finally: [{ job: 'finally-job', data: {} }],
};

let redis: Redis;
let database: TestDatabase;
const prefixes: string[] = [];
const repositories: BatchRepository[] = [];

beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  database = await createTestDatabase('sqlite');
});

afterAll(async () => {
  await Promise.all(repositories.map((repository) => repository.close()));
  const inspect = inspectRedis();
  for (const prefix of prefixes) await deletePrefix(inspect, prefix);
  await inspect.quit();
  await redis.quit();
  await database.drop();
});

const backends: [string, () => BatchRepository][] = [
  [
    'redis',
    () => {
      const prefix = uniquePrefix('tracker');
      prefixes.push(prefix);
      return new RedisBatchRepository(redis, prefix);
    },
  ],
  ['sqlite', () => new DatabaseBatchRepository({ ...database.options, pool: { min: 0, max: 4 } })],
];

describe.each(backends)('BatchTracker on %s', (_label, makeRepository) => {
  let repository: BatchRepository;

  beforeAll(() => {
    repository = makeRepository();
    repositories.push(repository);
  });

  /** A stored batch of `jobs` jobs (ids j1..jN) and a tracker whose callbacks are recorded. */
  async function scenario(jobs: number, options: BatchOptions = callbacks) {
    const id = batchId('tracked');
    await repository.store({ id, name: 'tracked', options, createdAt: new Date() });
    if (jobs) await repository.incrementTotalJobs(id, jobs);
    const calls: Call[] = [];
    const finished: BatchRecord[] = [];
    const tracker = new BatchTracker(
      repository,
      async (batch, which, error) => {
        calls.push({ which, batch, error });
      },
      async (batch) => {
        finished.push(batch);
      },
    );
    return {
      id,
      calls,
      finished,
      kinds: () => calls.map((call) => call.which),
      succeed: (job: string) => tracker.recordSuccessfulJob(id, job),
      fail: (job: string, error = new Error(`${job} broke`)) => tracker.recordFailedJob(id, job, error),
      tracker,
    };
  }

  it('all jobs succeed: then once, finally once, no catch; the batch is finished', async () => {
    const s = await scenario(20);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.succeed(`j${i + 1}`)));
    expect(s.kinds()).toEqual(['then', 'finally']);
    expect(s.finished).toHaveLength(1);
    expect(s.finished[0].finishedAt).toBeInstanceOf(Date);
    const batch = await repository.find(s.id);
    expect(batch).toMatchObject({ pendingJobs: 0, failedJobs: 0, cancelledAt: null });
    expect(batch?.finishedAt).toBeInstanceOf(Date);
    // The callbacks see the batch as it is after the transition.
    expect(s.calls[0].batch).toMatchObject({ id: s.id, pendingJobs: 0 });
    expect(s.calls[0].batch.finishedAt).toBeInstanceOf(Date);
  });

  it('one job fails without allowFailures: cancelled, catch once, finally once after the rest ran, never then', async () => {
    const s = await scenario(4);
    const error = new Error('j2 broke');
    await s.succeed('j1');
    await s.fail('j2', error);
    expect(s.kinds()).toEqual(['catch']);
    expect(s.calls[0].error).toBe(error);
    expect(s.calls[0].batch.cancelledAt).toBeInstanceOf(Date);
    expect((await repository.find(s.id))?.cancelledAt).toBeInstanceOf(Date);
    await s.succeed('j3');
    expect(s.kinds()).toEqual(['catch']);
    await s.succeed('j4');
    expect(s.kinds()).toEqual(['catch', 'finally']);
    expect(s.finished).toHaveLength(0);
    expect(await repository.find(s.id)).toMatchObject({ pendingJobs: 1, failedJobs: 1, failedJobIds: ['j2'] });
  });

  it('the last job failing sets off catch and finally together', async () => {
    const s = await scenario(2);
    await s.succeed('j1');
    await s.fail('j2');
    expect(s.kinds()).toEqual(['catch', 'finally']);
  });

  it('allowFailures: not cancelled, catch once for several failures, finally, no then', async () => {
    const s = await scenario(5, { ...callbacks, allowFailures: true });
    await s.fail('j1');
    await s.succeed('j2');
    await s.fail('j3');
    await s.succeed('j4');
    expect(s.kinds()).toEqual(['catch']);
    await s.succeed('j5');
    expect(s.kinds()).toEqual(['catch', 'finally']);
    const batch = await repository.find(s.id);
    expect(batch).toMatchObject({ cancelledAt: null, finishedAt: null, pendingJobs: 2, failedJobs: 2, failedJobIds: ['j1', 'j3'] });
    expect(s.finished).toHaveLength(0);
  });

  it('a failed job that later succeeds on retry: then fires, finally not twice', async () => {
    const s = await scenario(3, { ...callbacks, allowFailures: true });
    await s.succeed('j1');
    await s.fail('j2');
    await s.succeed('j3');
    expect(s.kinds()).toEqual(['catch', 'finally']);
    await s.succeed('j2'); // retried from the failed-job store
    expect(s.kinds()).toEqual(['catch', 'finally', 'then']);
    expect(s.finished).toHaveLength(1);
    expect(await repository.find(s.id)).toMatchObject({ pendingJobs: 0, failedJobs: 1, failedJobIds: [] });
  });

  it('a retried job of a cancelled batch finishing it still sets off then (as Laravel)', async () => {
    const s = await scenario(2);
    await s.fail('j1');
    await s.succeed('j2');
    await s.succeed('j1');
    expect(s.kinds()).toEqual(['catch', 'finally', 'then']);
  });

  it('concurrent successes and failures: every transition is seen exactly once', async () => {
    const s = await scenario(100, { ...callbacks, allowFailures: true });
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 10 === 3 ? s.fail(`j${i}`) : s.succeed(`j${i}`))));
    expect(s.kinds().sort()).toEqual(['catch', 'finally']);
    const batch = await repository.find(s.id);
    expect(batch).toMatchObject({ pendingJobs: 10, failedJobs: 10 });
    expect(batch?.failedJobIds).toHaveLength(10);
  });

  it('asks only for the callbacks the batch has', async () => {
    const s = await scenario(2, { finally: [{ job: 'f', data: {} }] });
    await s.fail('j1');
    await s.succeed('j2');
    expect(s.kinds()).toEqual(['finally']);
  });

  it('an empty batch has nothing to track and progress 0', async () => {
    const s = await scenario(0);
    const batch = await repository.find(s.id);
    expect(batch).toMatchObject({ totalJobs: 0, pendingJobs: 0, finishedAt: null });
    expect(s.kinds()).toEqual([]);
  });

  it('ignores jobs of a batch that no longer exists', async () => {
    const s = await scenario(2);
    await repository.delete(s.id);
    await expect(s.succeed('j1')).resolves.toBeUndefined();
    await expect(s.fail('j2')).resolves.toBeUndefined();
    expect(s.kinds()).toEqual([]);
    expect(await repository.find(s.id)).toBeNull();
  });

  describe('a batch standing in a chain', () => {
    const inChain: BatchOptions = {
      ...callbacks,
      chain: [{ job: 'next-in-chain', data: {} }],
      chainCatch: { job: 'chain-catch', data: {} },
    };

    it('continues the chain after then and finally when every job succeeded', async () => {
      const s = await scenario(3, inChain);
      await Promise.all(['j1', 'j2', 'j3'].map((job) => s.succeed(job)));
      expect(s.kinds()).toEqual(['then', 'finally', 'chain']);
      expect(s.calls[2].batch.options.chain).toEqual(inChain.chain);
    });

    it('drops the chain and runs its catch when a job fails without allowFailures', async () => {
      const s = await scenario(3, inChain);
      const error = new Error('boom');
      await s.fail('j1', error);
      await s.succeed('j2');
      await s.succeed('j3');
      expect(s.kinds()).toEqual(['catch', 'chainCatch', 'finally']);
      expect(s.calls[1].error).toBe(error);
      // A retry that succeeds later does not revive the chain of a cancelled batch.
      await s.succeed('j1');
      expect(s.kinds()).toEqual(['catch', 'chainCatch', 'finally', 'then']);
    });

    it('with allowFailures, continues the chain once every job has run (as Laravel, from finally)', async () => {
      const s = await scenario(3, { ...inChain, allowFailures: true });
      await s.fail('j1');
      await s.succeed('j2');
      await s.succeed('j3');
      expect(s.kinds()).toEqual(['catch', 'finally', 'chain']);
      await s.succeed('j1');
      expect(s.kinds()).toEqual(['catch', 'finally', 'chain', 'then']);
    });

    it('does not continue the chain of a batch cancelled by hand', async () => {
      const s = await scenario(2, inChain);
      await s.succeed('j1');
      await repository.cancel(s.id);
      await s.succeed('j2');
      expect(s.kinds()).toEqual(['then', 'finally']);
    });

    it('never continues the chain when the last success races the first failure', async () => {
      for (let round = 0; round < 10; round++) {
        const s = await scenario(2, inChain);
        await Promise.all([s.fail('j1'), s.succeed('j2')]);
        expect(s.kinds()).not.toContain('chain');
        expect(s.kinds().filter((kind) => kind === 'finally')).toHaveLength(1);
      }
    });
  });

  it('still dispatches finally when dispatching then fails, and reports the failure', async () => {
    const id = batchId('dispatch-error');
    await repository.store({ id, name: '', options: callbacks, createdAt: new Date() });
    await repository.incrementTotalJobs(id, 1);
    const kinds: BatchCallbackKind[] = [];
    const tracker = new BatchTracker(
      repository,
      async (_batch, which) => {
        kinds.push(which);
        if (which === 'then') throw new Error('Redis is down');
      },
      async () => {},
    );
    await expect(tracker.recordSuccessfulJob(id, 'j1')).rejects.toThrow('Redis is down');
    expect(kinds).toEqual(['then', 'finally']);
  });
});
