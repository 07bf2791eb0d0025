import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { Limit, RateLimited, RateLimiter } from '../../lib/middleware';
import { deletePrefix, inspectRedis, uniquePrefix, waitUntil } from '../support/test-redis';
import { countingNext, FakeJob, serverNow } from './fake-job';

describe('RateLimited', () => {
  let redis: Redis;
  let prefix: string;

  const job = <T>(data?: T, name = 'SendEmail') => new FakeJob<T>({ redis, prefix, name, data });
  const md5 = (value: string) => createHash('md5').update(value).digest('hex');

  beforeAll(() => {
    redis = inspectRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('rate-limited');
    RateLimiter.clear();
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
  });
  afterAll(async () => {
    RateLimiter.clear();
    await redis.quit();
  });

  describe('with a named limiter', () => {
    it('lets exactly N jobs through per window and releases the next one until the window ends plus 3 seconds', async () => {
      RateLimiter.for('emails', () => Limit.perMinute(3));
      const middleware = new RateLimited('emails');
      const next = countingNext();
      const passed: FakeJob[] = [];
      for (let i = 0; i < 3; i++) {
        const j = job();
        await middleware.handle(j, next);
        passed.push(j);
      }
      expect(next.calls).toBe(3);
      expect(passed.every((j) => j.releases.length === 0)).toBe(true);

      const before = await serverNow(redis);
      const over = job();
      await middleware.handle(over, next);
      const after = await serverNow(redis);

      expect(next.calls).toBe(3);
      expect(over.releases).toHaveLength(1);
      const end = Number(await redis.hget(`${prefix}limiter:emails:60:${md5('emails')}`, 'end'));
      expect(over.releases[0]).toBeGreaterThanOrEqual(end - after + 3);
      expect(over.releases[0]).toBeLessThanOrEqual(end - before + 3);
      expect(over.releases[0]).toBeGreaterThan(3);
      expect(over.releases[0]).toBeLessThanOrEqual(63);
    });

    it('keeps the window in a Redis hash {start, end, count} that expires after two windows', async () => {
      RateLimiter.for('emails', () => Limit.perMinute(5));
      await new RateLimited('emails').handle(job(), countingNext());
      await new RateLimited('emails').handle(job(), countingNext());

      const key = `${prefix}limiter:emails:60:${md5('emails')}`;
      const hash = await redis.hgetall(key);
      expect(Number(hash.count)).toBe(2);
      expect(Number(hash.end) - Number(hash.start)).toBe(60);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(60);
      expect(ttl).toBeLessThanOrEqual(120);
    });

    it('lets jobs through again once the window has passed', async () => {
      RateLimiter.for('fast', () => Limit.perSecond(2));
      const middleware = new RateLimited('fast');
      const next = countingNext();
      await middleware.handle(job(), next);
      await middleware.handle(job(), next);
      const over = job();
      await middleware.handle(over, next);
      expect(next.calls).toBe(2);
      expect(over.releases).toHaveLength(1);

      const end = Number(await redis.hget(`${prefix}limiter:fast:1:${md5('fast')}`, 'end'));
      await waitUntil(async () => (await serverNow(redis)) > end, 'the one-second window to pass', 5000);

      const later = job();
      await middleware.handle(later, next);
      expect(next.calls).toBe(3);
      expect(later.releases).toHaveLength(0);
    });

    it('drops a job over the limit without releasing it after dontRelease()', async () => {
      RateLimiter.for('emails', () => Limit.perMinute(1));
      const middleware = new RateLimited('emails').dontRelease();
      const next = countingNext();
      await middleware.handle(job(), next);
      const over = job();
      await expect(middleware.handle(over, next)).resolves.toBeUndefined();
      expect(next.calls).toBe(1);
      expect(over.releases).toHaveLength(0);
      expect(over.deletes).toBe(0);
      expect(over.failures).toHaveLength(0);
    });

    it('releases a job over the limit after releaseAfter() seconds instead of the window', async () => {
      RateLimiter.for('emails', () => Limit.perMinute(1));
      const middleware = new RateLimited('emails').releaseAfter(17);
      await middleware.handle(job(), countingNext());
      const over = job();
      await middleware.handle(over, countingNext());
      expect(over.releases).toEqual([17]);
    });

    it('counts a limit separately per by() key', async () => {
      RateLimiter.for('per-user', (j) => Limit.perMinute(1).by((j.data as { user: string }).user));
      const middleware = new RateLimited('per-user');
      const next = countingNext();
      const a1 = job({ user: 'a' });
      const b1 = job({ user: 'b' });
      const a2 = job({ user: 'a' });
      await middleware.handle(a1, next);
      await middleware.handle(b1, next);
      await middleware.handle(a2, next);
      expect(next.calls).toBe(2);
      expect(a1.releases).toHaveLength(0);
      expect(b1.releases).toHaveLength(0);
      expect(a2.releases).toHaveLength(1);
      expect(await redis.exists(`${prefix}limiter:per-user:60:${md5('a')}`)).toBe(1);
      expect(await redis.exists(`${prefix}limiter:per-user:60:${md5('b')}`)).toBe(1);
    });

    it('needs a free slot in every limit when the limiter returns several', async () => {
      RateLimiter.for('multi', () => [Limit.perMinute(5).by('wide'), Limit.perMinute(2).by('narrow')]);
      const middleware = new RateLimited('multi');
      const next = countingNext();
      const jobs = [job(), job(), job()];
      for (const j of jobs) await middleware.handle(j, next);
      expect(next.calls).toBe(2);
      expect(jobs[2].releases).toHaveLength(1);
      expect(Number(await redis.hget(`${prefix}limiter:multi:60:${md5('wide')}`, 'count'))).toBe(3);
      expect(Number(await redis.hget(`${prefix}limiter:multi:60:${md5('narrow')}`, 'count'))).toBe(3);
    });

    it('stops at the first full limit, as Laravel does, without counting the later ones', async () => {
      RateLimiter.for('multi', () => [Limit.perMinute(1).by('first'), Limit.perMinute(5).by('second')]);
      const middleware = new RateLimited('multi');
      const next = countingNext();
      await middleware.handle(job(), next);
      const over = job();
      await middleware.handle(over, next);
      expect(next.calls).toBe(1);
      expect(over.releases).toHaveLength(1);
      expect(Number(await redis.hget(`${prefix}limiter:multi:60:${md5('second')}`, 'count'))).toBe(1);
    });

    it('keeps separate counters for a per-minute and a per-day limit with the same key', async () => {
      RateLimiter.for('both', () => [Limit.perMinute(2), Limit.perDay(3)]);
      const middleware = new RateLimited('both');
      const next = countingNext();
      const jobs = [job(), job(), job()];
      for (const j of jobs) await middleware.handle(j, next);
      expect(next.calls).toBe(2);
      expect(jobs[2].releases).toHaveLength(1);
      expect(Number(await redis.hget(`${prefix}limiter:both:60:${md5('both')}`, 'count'))).toBe(3);
      expect(Number(await redis.hget(`${prefix}limiter:both:86400:${md5('both')}`, 'count'))).toBe(2);
    });

    it('lets every job through and counts nothing for Limit.none()', async () => {
      RateLimiter.for('free', () => Limit.none());
      const middleware = new RateLimited('free');
      const next = countingNext();
      const jobs = Array.from({ length: 5 }, () => job());
      for (const j of jobs) await middleware.handle(j, next);
      expect(next.calls).toBe(5);
      expect(jobs.every((j) => j.releases.length === 0)).toBe(true);
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    });

    it('lets the job through when the limiter returns nothing', async () => {
      RateLimiter.for('maybe', (j) => ((j.data as { vip: boolean }).vip ? null : Limit.perMinute(0)));
      const middleware = new RateLimited('maybe');
      const vip = job({ vip: true });
      const other = job({ vip: false });
      const next = countingNext();
      await middleware.handle(vip, next);
      await middleware.handle(other, next);
      expect(next.calls).toBe(1);
      expect(vip.releases).toHaveLength(0);
      expect(other.releases).toHaveLength(1);
    });

    it('lets the job through when no limiter has that name', async () => {
      const next = countingNext();
      const j = job();
      await new RateLimited('nobody-defined-this').handle(j, next);
      expect(next.calls).toBe(1);
      expect(j.releases).toHaveLength(0);
    });

    it('lets exactly the limit through when 50 jobs on 5 connections race for 10 slots', async () => {
      RateLimiter.for('race', () => Limit.perMinute(10));
      const clients = Array.from({ length: 5 }, () => inspectRedis());
      try {
        const middleware = new RateLimited('race');
        const next = countingNext();
        const jobs = Array.from({ length: 50 }, (_, i) => new FakeJob({ redis: clients[i % 5], prefix }));
        await Promise.all(jobs.map((j) => middleware.handle(j, next)));
        expect(next.calls).toBe(10);
        expect(jobs.filter((j) => j.releases.length === 1)).toHaveLength(40);
      } finally {
        await Promise.all(clients.map((c) => c.quit()));
      }
    });

    it('keeps working when Redis forgets its scripts (SCRIPT FLUSH), and never defines commands on the shared client', async () => {
      const client = inspectRedis();
      try {
        const define = jest.spyOn(client, 'defineCommand');
        RateLimiter.for('once', () => Limit.perMinute(100));
        const middleware = new RateLimited('once');
        const next = countingNext();
        await middleware.handle(new FakeJob({ redis: client, prefix }), next);
        await client.script('FLUSH');
        await middleware.handle(new FakeJob({ redis: client, prefix }), next);
        expect(next.calls).toBe(2);
        expect(define).not.toHaveBeenCalled();
      } finally {
        await client.quit();
      }
    });
  });

  describe("with the seed's (key, allows, everySeconds) form", () => {
    it('allows `allows` jobs per window and releases the next after `every` seconds', async () => {
      const middleware = new RateLimited('api-calls', 2, 30);
      const next = countingNext();
      const jobs = [job(), job(), job()];
      for (const j of jobs) await middleware.handle(j, next);
      expect(next.calls).toBe(2);
      expect(jobs[0].releases).toHaveLength(0);
      expect(jobs[1].releases).toHaveLength(0);
      expect(jobs[2].releases).toEqual([30]);
      const hash = await redis.hgetall(`${prefix}throttle:api-calls`);
      expect(Number(hash.end) - Number(hash.start)).toBe(30);
      expect(Number(hash.count)).toBe(3);
    });

    it('drops the job after dontRelease()', async () => {
      const middleware = new RateLimited('api-calls', 1, 30).dontRelease();
      const next = countingNext();
      await middleware.handle(job(), next);
      const over = job();
      await middleware.handle(over, next);
      expect(next.calls).toBe(1);
      expect(over.releases).toHaveLength(0);
    });

    it('waits for the next window when told to block(), then runs the job in it', async () => {
      const middleware = new RateLimited('blocking', 1, 1).block(10);
      const key = `${prefix}throttle:blocking`;
      const entered: number[] = [];
      const next = countingNext(async () => void entered.push(await serverNow(redis)));
      await middleware.handle(job(), next);
      const first = await redis.hgetall(key);
      const waiting = job();
      await middleware.handle(waiting, next);
      expect(next.calls).toBe(2);
      expect(waiting.releases).toHaveLength(0);
      // It got in only once the first window had ended, and counted as the first job of a new window.
      expect(entered[1]).toBeGreaterThanOrEqual(Number(first.end));
      const second = await redis.hgetall(key);
      expect(Number(second.start)).toBeGreaterThanOrEqual(Number(first.end));
      expect(Number(second.count)).toBe(1);
    });
  });

  it('refuses limits that are not whole numbers', () => {
    expect(() => Limit.perMinute(-1)).toThrow(RangeError);
    expect(() => Limit.perSecond(1.5)).toThrow(RangeError);
    expect(() => Limit.perSecond(1, 0)).toThrow(RangeError);
    expect(() => new RateLimited('api', 0.5, 10)).toThrow(RangeError);
  });
});

describe('Limit', () => {
  it('turns each unit into a window in seconds', () => {
    expect(Limit.perSecond(5)).toMatchObject({ maxAttempts: 5, decaySeconds: 1, key: '' });
    expect(Limit.perSecond(5, 10)).toMatchObject({ maxAttempts: 5, decaySeconds: 10 });
    expect(Limit.perMinute(30)).toMatchObject({ maxAttempts: 30, decaySeconds: 60 });
    expect(Limit.perMinute(30, 2)).toMatchObject({ maxAttempts: 30, decaySeconds: 120 });
    expect(Limit.perMinutes(5, 100)).toMatchObject({ maxAttempts: 100, decaySeconds: 300 });
    expect(Limit.perHour(10, 2)).toMatchObject({ maxAttempts: 10, decaySeconds: 7200 });
    expect(Limit.perDay(1000)).toMatchObject({ maxAttempts: 1000, decaySeconds: 86400 });
    expect(Limit.none().unlimited).toBe(true);
    expect(Limit.perDay(1).unlimited).toBe(false);
  });

  it('takes its key from by()', () => {
    expect(Limit.perMinute(1).by('user:7').key).toBe('user:7');
    expect(Limit.perMinute(1).by(42).key).toBe('42');
  });
});

describe('RateLimiter', () => {
  afterEach(() => RateLimiter.clear());

  it('remembers definitions by name until cleared', () => {
    const callback = () => Limit.perMinute(1);
    RateLimiter.for('a', callback);
    expect(RateLimiter.limiter('a')).toBe(callback);
    expect(RateLimiter.limiter('b')).toBeUndefined();
    RateLimiter.clear();
    expect(RateLimiter.limiter('a')).toBeUndefined();
  });
});
