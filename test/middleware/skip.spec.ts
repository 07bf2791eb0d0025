import type Redis from 'ioredis';
import { Skip, SkipIfBatchCancelled } from '../../lib/middleware';
import { inspectRedis, uniquePrefix } from '../support/test-redis';
import { countingNext, FakeJob } from './fake-job';

describe('Skip and SkipIfBatchCancelled', () => {
  let redis: Redis;
  const prefix = uniquePrefix('skip');

  beforeAll(() => {
    redis = inspectRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  const job = <T>(data?: T, batch?: { cancelled(): boolean } | null) => new FakeJob<T>({ redis, prefix, data, batch });

  /** Runs the middleware and says whether the job's handler ran; a skipped job is neither released nor failed. */
  async function runs(middleware: { handle: Skip['handle'] }, j = job()): Promise<boolean> {
    const next = countingNext();
    await middleware.handle(j, next);
    expect(j.releases).toEqual([]);
    expect(j.failures).toEqual([]);
    expect(j.deletes).toBe(0);
    return next.calls === 1;
  }

  describe('Skip.when', () => {
    it('skips the job when the condition is true and runs it when false', async () => {
      expect(await runs(Skip.when(true))).toBe(false);
      expect(await runs(Skip.when(false))).toBe(true);
    });

    it('decides per job with a function of the job', async () => {
      const middleware = Skip.when((j) => (j.data as { cancelled: boolean }).cancelled);
      expect(await runs(middleware, job({ cancelled: true }))).toBe(false);
      expect(await runs(middleware, job({ cancelled: false }))).toBe(true);
    });

    it('awaits an async condition', async () => {
      const middleware = Skip.when(async (j) => (j.data as { n: number }).n > 1);
      expect(await runs(middleware, job({ n: 2 }))).toBe(false);
      expect(await runs(middleware, job({ n: 1 }))).toBe(true);
    });

    it('evaluates the condition each time the job runs, not once', async () => {
      let paused = false;
      const middleware = Skip.when(() => paused);
      expect(await runs(middleware)).toBe(true);
      paused = true;
      expect(await runs(middleware)).toBe(false);
    });
  });

  describe('Skip.unless', () => {
    it('runs the job when the condition is true and skips it when false', async () => {
      expect(await runs(Skip.unless(true))).toBe(true);
      expect(await runs(Skip.unless(false))).toBe(false);
    });

    it('decides per job with a (possibly async) function of the job', async () => {
      const middleware = Skip.unless(async (j) => (j.data as { enabled: boolean }).enabled);
      expect(await runs(middleware, job({ enabled: true }))).toBe(true);
      expect(await runs(middleware, job({ enabled: false }))).toBe(false);
    });
  });

  describe('SkipIfBatchCancelled', () => {
    it('skips a job whose batch was cancelled', async () => {
      expect(await runs(new SkipIfBatchCancelled(), job(undefined, { cancelled: () => true }))).toBe(false);
    });

    it('runs a job whose batch is still going', async () => {
      expect(await runs(new SkipIfBatchCancelled(), job(undefined, { cancelled: () => false }))).toBe(true);
    });

    it('runs a job that belongs to no batch', async () => {
      expect(await runs(new SkipIfBatchCancelled(), job(undefined, null))).toBe(true);
    });
  });
});
