import {
  Job, JobContext, JobExceptionOccurred, JobFailed, JobMiddleware, JobProcessed, JobProcessing, MaxAttemptsExceededError, Middleware,
} from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { sleep, waitUntil } from '../support/test-redis';

const handled: string[] = [];

/** Releases the job on its first attempt, as a rate limiter over its limit does; lets later attempts through. */
const releaseFirstAttempt: JobMiddleware = {
  async handle(job, next) {
    if (job.attempts === 1) {
      job.release(60);
      return;
    }
    await next();
  },
};

@Job({ name: 'unique-until-processing', tries: 3, unique: { id: (d: { key: string }) => d.key, until: 'processing', for: 600 } })
@Middleware(releaseFirstAttempt)
class UniqueUntilProcessing {
  async handle(data: { key: string }, job: JobContext): Promise<void> {
    handled.push(`${data.key}#${job.attempts}`);
  }
}

@Job({ name: 'spent-tries', tries: 1 })
class SpentTries {
  handle(): void {
    handled.push('spent-tries');
  }
}

@Job({ name: 'past-retry-until', tries: 5, retryUntil: () => Date.now() - 1000 })
class PastRetryUntil {
  handle(): void {
    handled.push('past-retry-until');
  }
}

describe("the worker's order of things, as Laravel's", () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    handled.length = 0;
    t = await createQueueApp([UniqueUntilProcessing, SpentTries, PastRetryUntil], {
      connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 1 } },
    });
  });
  afterEach(() => t.close());

  it("unique until processing: a job a middleware releases keeps its lock; the lock goes when handle starts", async () => {
    const first = await t.bus.dispatch(UniqueUntilProcessing, { key: 'k' });
    expect(first).not.toBeNull();
    // The middleware releases it on attempt 1: it never reached handle, so the lock must still be held.
    await t.worker.run({ once: true, sleep: 0.05 });
    expect(handled).toEqual([]);
    expect(await t.bus.dispatch(UniqueUntilProcessing, { key: 'k' })).toBeNull();

    // Make the released job due now; on attempt 2 it reaches handle and the lock is released then.
    const delayed = `${t.prefix}queues:{default}:delayed`;
    const members = await t.redis.zrange(delayed, '0', '-1');
    expect(members).toHaveLength(1);
    await t.redis.zadd(delayed, '0', members[0]);
    await t.worker.run({ once: true, sleep: 0.05 });
    expect(handled).toEqual(['k#2']);
    expect(await t.bus.dispatch(UniqueUntilProcessing, { key: 'k' })).not.toBeNull();
  });

  const recordEvents = () => {
    const seen: string[] = [];
    t.events.on(JobProcessing, (e) => void seen.push(`JobProcessing ${e.job.name}`));
    t.events.on(JobFailed, (e) => void seen.push(`JobFailed ${e.job.name} ${e.exception.constructor.name}`));
    t.events.on(JobExceptionOccurred, (e) => void seen.push(`JobExceptionOccurred ${e.job.name} ${e.exception.constructor.name}`));
    t.events.on(JobProcessed, (e) => void seen.push(`JobProcessed ${e.job.name}`));
    return seen;
  };

  it('a job reserved after its tries are spent: JobProcessing, JobFailed (MaxAttemptsExceededError), then JobExceptionOccurred', async () => {
    const seen = recordEvents();
    const id = await t.bus.dispatch(SpentTries, {});
    // A worker took it (attempt 1) and died: its reservation lapses after retryAfter (1 s) and the next reserve is attempt 2.
    const driver = t.manager.connection();
    expect(await driver.pop(['default'], 1)).toHaveLength(1);
    await sleep(1100);
    await waitUntil(async () => {
      await t.worker.run({ once: true, sleep: 0.05 });
      return seen.length > 0;
    }, 'the lapsed job to be taken again', 10000);
    expect(handled).toEqual([]);
    expect(seen).toEqual([
      'JobProcessing spent-tries',
      `JobFailed spent-tries ${MaxAttemptsExceededError.name}`,
      `JobExceptionOccurred spent-tries ${MaxAttemptsExceededError.name}`,
    ]);
    expect((await t.failed.find(id as string))?.exception).toContain('MaxAttemptsExceededError');
  });

  it('a job reserved after its retryUntil has passed: the same three events, in the same order', async () => {
    const seen = recordEvents();
    await t.bus.dispatch(PastRetryUntil, {});
    await t.worker.run({ stopWhenEmpty: true, sleep: 0.05 });
    expect(handled).toEqual([]);
    expect(seen).toEqual([
      'JobProcessing past-retry-until',
      `JobFailed past-retry-until ${MaxAttemptsExceededError.name}`,
      `JobExceptionOccurred past-retry-until ${MaxAttemptsExceededError.name}`,
    ]);
  });
});
