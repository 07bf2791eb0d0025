import type Redis from 'ioredis';
import { WithoutOverlapping } from '../../lib/middleware';
import { deletePrefix, inspectRedis, uniquePrefix, waitUntil } from '../support/test-redis';
import { countingNext, deferred, FakeJob } from './fake-job';

describe('WithoutOverlapping', () => {
  let redis: Redis;
  let prefix: string;

  const job = (name = 'ProcessEvent') => new FakeJob({ redis, prefix, name });

  /** Runs `middleware` for a job that stays inside `handle` until the returned `finish()` is called. */
  async function holdLock(middleware: WithoutOverlapping, name = 'ProcessEvent') {
    const gate = deferred();
    const entered = deferred();
    const running = middleware.handle(job(name), async () => {
      entered.resolve();
      await gate.promise;
    });
    await entered.promise;
    return {
      running,
      finish: async () => {
        gate.resolve();
        await running;
      },
    };
  }

  beforeAll(() => {
    redis = inspectRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('overlap');
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('holds a lock per job name and key while the job runs', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7'));
    expect(await redis.exists(`${prefix}overlap:ProcessEvent:event-7`)).toBe(1);
    await holder.finish();
  });

  it('releases a second job with the same key at once (delay 0) while the first runs', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7'));
    const second = job();
    const next = countingNext();
    await new WithoutOverlapping('event-7').handle(second, next);
    expect(next.calls).toBe(0);
    expect(second.releases).toEqual([0]);
    await holder.finish();
  });

  it('releases the second job after releaseAfter() seconds', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7'));
    const second = job();
    await new WithoutOverlapping('event-7').releaseAfter(45).handle(second, countingNext());
    expect(second.releases).toEqual([45]);
    await holder.finish();
  });

  it('drops the second job without releasing it after dontRelease()', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7'));
    const second = job();
    const next = countingNext();
    await new WithoutOverlapping('event-7').dontRelease().handle(second, next);
    expect(next.calls).toBe(0);
    expect(second.releases).toEqual([]);
    expect(second.deletes).toBe(0);
    expect(second.failures).toEqual([]);
    await holder.finish();
  });

  it('lets jobs with different keys run side by side', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7'));
    const other = job();
    const next = countingNext();
    await new WithoutOverlapping('event-8').handle(other, next);
    expect(next.calls).toBe(1);
    expect(other.releases).toEqual([]);
    await holder.finish();
  });

  it('lets different jobs with the same key run side by side unless shared()', async () => {
    const holder = await holdLock(new WithoutOverlapping('account-1'), 'ChargeCard');
    const refund = job('RefundCard');
    const next = countingNext();
    await new WithoutOverlapping('account-1').handle(refund, next);
    expect(next.calls).toBe(1);
    await holder.finish();
  });

  it('makes different jobs wait for one another on a shared() key', async () => {
    const holder = await holdLock(new WithoutOverlapping('account-1').shared(), 'ChargeCard');
    expect(await redis.exists(`${prefix}overlap-shared:account-1`)).toBe(1);
    const refund = job('RefundCard');
    const next = countingNext();
    await new WithoutOverlapping('account-1').shared().handle(refund, next);
    expect(next.calls).toBe(0);
    expect(refund.releases).toEqual([0]);
    await holder.finish();
  });

  it('frees the lock when the job finishes, so the next one runs', async () => {
    const middleware = new WithoutOverlapping('event-7');
    const next = countingNext();
    await middleware.handle(job(), next);
    expect(await redis.exists(`${prefix}overlap:ProcessEvent:event-7`)).toBe(0);
    const second = job();
    await middleware.handle(second, next);
    expect(next.calls).toBe(2);
    expect(second.releases).toEqual([]);
  });

  it('frees the lock when the job throws, and passes the error on', async () => {
    const middleware = new WithoutOverlapping('event-7');
    await expect(
      middleware.handle(job(), async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await redis.exists(`${prefix}overlap:ProcessEvent:event-7`)).toBe(0);
  });

  it('gives the lock no expiry by default', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7'));
    expect(await redis.pttl(`${prefix}overlap:ProcessEvent:event-7`)).toBe(-1);
    await holder.finish();
  });

  it('gives the lock a TTL after expireAfter()', async () => {
    const before = Date.now();
    const holder = await holdLock(new WithoutOverlapping('event-7').expireAfter(30));
    const ttl = await redis.pttl(`${prefix}overlap:ProcessEvent:event-7`);
    // 30 s less at most the time between taking the lock and reading its TTL (measured, whatever the load).
    expect(ttl).toBeGreaterThanOrEqual(30000 - (Date.now() - before) - 1);
    expect(ttl).toBeLessThanOrEqual(30000);
    await holder.finish();
  });

  it('lets another job take a lock whose TTL ran out', async () => {
    const holder = await holdLock(new WithoutOverlapping('event-7').expireAfter(0.2));
    await waitUntil(async () => (await redis.exists(`${prefix}overlap:ProcessEvent:event-7`)) === 0, 'the lock to expire');
    const second = job();
    const next = countingNext();
    await new WithoutOverlapping('event-7').handle(second, next);
    expect(next.calls).toBe(1);
    await holder.finish();
  });

  it('leaves alone a lock it no longer owns', async () => {
    const key = `${prefix}overlap:ProcessEvent:event-7`;
    const holder = await holdLock(new WithoutOverlapping('event-7').expireAfter(30));
    // As if the lock had expired and another worker had taken it.
    await redis.set(key, 'another-owner');
    await holder.finish();
    expect(await redis.get(key)).toBe('another-owner');
  });

  it('lets exactly one of many concurrent jobs with one key run', async () => {
    const clients = Array.from({ length: 4 }, () => inspectRedis());
    try {
      const gate = deferred();
      const next = countingNext(() => gate.promise);
      const jobs = Array.from({ length: 20 }, (_, i) => new FakeJob({ redis: clients[i % 4], prefix, name: 'ProcessEvent' }));
      let settled = 0;
      const runs = jobs.map((j) => new WithoutOverlapping('event-7').handle(j, next).finally(() => settled++));
      // The one that got the lock stays inside next() until the gate opens; every other one settles first.
      await waitUntil(() => settled === jobs.length - 1, 'every job but the lock holder to settle');
      expect(next.calls).toBe(1);
      gate.resolve();
      await Promise.all(runs);
      expect(next.calls).toBe(1);
      expect(jobs.filter((j) => j.releases.length === 1)).toHaveLength(19);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});
