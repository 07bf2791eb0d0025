import Redis from 'ioredis';
import { Job, job } from '../../lib';
import type { OutgoingJob, RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { startRedisServer } from '../support/redis-server';

@Job({ name: 'numbered' })
class Numbered {
  handle(_data: { n: number }): void {}
}

@Job({ name: 'unique-numbered', unique: { id: (d: { n: number }) => String(d.n) } })
class UniqueNumbered {
  handle(_data: { n: number }): void {}
}

@Job({ name: 'tagged', tags: (d: { n: number }) => [`n:${d.n}`] })
class Tagged {
  handle(_data: { n: number }): void {}
}

const N = 100_000;

describe('dispatchMany', () => {
  let t: QueueTestApp;
  const ready = (queue = '{default}') => t.redis.lrange(`${t.prefix}queues:${queue}`, 0, -1);
  const numbers = (raw: string[]) => raw.map((r) => (JSON.parse(r) as { data: { n: number } }).data.n);
  beforeEach(async () => {
    t = await createQueueApp([Numbered, UniqueNumbered, Tagged]);
  });
  afterEach(async () => {
    await t.close();
  });

  it('queues all 100,000 jobs of one call, each once and in the order given, under the ids it returns', async () => {
    const ids = await t.bus.dispatchMany(Array.from({ length: N }, (_, n) => job(Numbered, { n })));

    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    const raw = await ready();
    expect(raw).toHaveLength(N);
    expect(numbers(raw)).toEqual(Array.from({ length: N }, (_, n) => n));
    expect(raw.map((r) => (JSON.parse(r) as { uuid: string }).uuid)).toEqual(ids);
    expect(await t.redis.llen(`${t.prefix}queues:{default}:notify`)).toBe(N);
  });

  it('keeps the call order per queue across plain, unique, tagged and delayed jobs, with null only where a lock is held', async () => {
    await t.bus.dispatch(UniqueNumbered, { n: 3 });
    await t.redis.del(`${t.prefix}queues:{default}`, `${t.prefix}queues:{default}:notify`);

    const ids = await t.bus.dispatchMany([
      job(Numbered, { n: 1 }),
      job(Numbered, { n: 2 }).onQueue('other'),
      job(UniqueNumbered, { n: 3 }),
      job(UniqueNumbered, { n: 4 }),
      job(Numbered, { n: 5 }),
      job(Tagged, { n: 6 }),
      job(Numbered, { n: 7 }).delay(60),
      job(Numbered, { n: 8 }),
      job(Numbered, { n: 9 }).onQueue('other'),
    ]);

    expect(ids.map((id) => id === null)).toEqual([false, false, true, false, false, false, false, false, false]);
    expect(numbers(await ready())).toEqual([1, 4, 5, 6, 8]);
    expect(numbers(await ready('{other}'))).toEqual([2, 9]);
    expect(await t.redis.zcard(`${t.prefix}queues:{default}:delayed`)).toBe(1);
    expect(await t.redis.llen(`${t.prefix}queues:{default}:notify`)).toBe(5);
    expect(await t.redis.llen(`${t.prefix}queues:{other}:notify`)).toBe(2);
  });

  describe('taking back a call (when another server of the call failed)', () => {
    const outgoing = (n: number, from = 0): OutgoingJob[] =>
      Array.from({ length: n }, (_, k) => ({ queue: 'default', payload: `{"v":1,"uuid":"id-${from + k}","job":"numbered","data":{"n":${from + k}}}`, uuid: `id-${from + k}` }));

    it('takes back every job still waiting, leaving the jobs queued before and after it, and counts those already taken', async () => {
      const driver = t.manager.connection() as RedisQueueDriver;
      await driver.sendAll(outgoing(3, 1000));
      const jobs = outgoing(5000);
      const flags = await driver.sendAll(jobs);
      await driver.sendAll(outgoing(2, 2000));
      // A worker takes the 3 older jobs and the first 1,200 of the call.
      expect(await driver.pop(['default'], 1203)).toHaveLength(1203);

      const missing = await driver.unsendAll(jobs, flags);

      expect(missing).toBe(1200);
      expect(numbers(await ready())).toEqual([2000, 2001]);
      expect(await t.redis.llen(`${t.prefix}queues:{default}:notify`)).toBe(2);
    });

    it('finds jobs of the call that are no longer at the tail of the list', async () => {
      const driver = t.manager.connection() as RedisQueueDriver;
      const jobs = outgoing(2000);
      const flags = await driver.sendAll(jobs);
      // The last job of the call was taken by hand from the middle of the list (as a clear or another take-back would).
      await t.redis.lrem(`${t.prefix}queues:{default}`, 1, jobs[1999].payload);
      await t.redis.lrem(`${t.prefix}queues:{default}:notify`, 1, '1');

      const missing = await driver.unsendAll(jobs, flags);

      expect(missing).toBe(1);
      expect(await ready()).toEqual([]);
      expect(await t.redis.llen(`${t.prefix}queues:{default}:notify`)).toBe(0);
    });

    it('takes back delayed and unique jobs and frees the locks they hold', async () => {
      const driver = t.manager.connection() as RedisQueueDriver;
      const jobs: OutgoingJob[] = [
        ...outgoing(2),
        { ...outgoing(1, 10)[0], delay: 30 },
        { ...outgoing(1, 11)[0], unique: { key: `${t.prefix}unique:u`, seconds: 60 } },
      ];
      const flags = await driver.sendAll(jobs);
      expect(flags).toEqual([true, true, true, true]);
      expect(await t.redis.get(`${t.prefix}unique:u`)).toBe('id-11');

      expect(await driver.unsendAll(jobs, flags)).toBe(0);

      expect(await ready()).toEqual([]);
      expect(await t.redis.zcard(`${t.prefix}queues:{default}:delayed`)).toBe(0);
      expect(await t.redis.get(`${t.prefix}unique:u`)).toBeNull();
    });
  });

  it('loads its script before a first large call, so a server that never saw it gets the jobs once, not twice', async () => {
    const server = await startRedisServer();
    const own = await createQueueApp([Numbered], { redis: { queue: { url: server.url }, default: { url: server.url } } });
    const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      await admin.config('RESETSTAT');

      await own.bus.dispatchMany(Array.from({ length: 3000 }, (_, n) => job(Numbered, { n })));

      const stats = await admin.info('commandstats');
      expect(stats).not.toMatch(/cmdstat_eval:/);
      expect(/cmdstat_evalsha:calls=(\d+),.*failed_calls=(\d+)/.exec(stats)?.slice(1)).toEqual(['1', '0']);
      expect(await admin.llen(`${own.prefix}queues:{default}`)).toBe(3000);
    } finally {
      admin.disconnect();
      await own.close();
      await server.stop();
    }
  });
});
