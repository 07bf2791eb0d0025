import Redis from 'ioredis';
import { DispatchOutcomeUnknownError, Job, QueueError, job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { startRedisServer, OwnedRedis } from '../support/redis-server';
import { sleep, testRedisUrl, waitUntil } from '../support/test-redis';

@Job({ name: 'filler' })
class Filler {
  handle(_data: { text: string; n: number }): void {}
}

const JOBS = 4000;
const text = 'x'.repeat(1000);
const fillers = () => Array.from({ length: JOBS }, (_, n) => job(Filler, { text, n }));

/** The keys of jobs and batches under a prefix on a server, by kind. */
async function stored(redis: Redis, prefix: string): Promise<{ ready: number; batches: string[]; batchIdsInJobs: Set<string> }> {
  const raw = await redis.lrange(`${prefix}queues:{default}`, 0, -1);
  const batches = (await redis.keys(`${prefix}{batches}:batch:*`)).map((k) => k.slice(k.lastIndexOf(':') + 1));
  return { ready: raw.length, batches, batchIdsInJobs: new Set(raw.map((r) => JSON.parse(r).batchId as string)) };
}

describe('dispatchMany and batch creation are all or nothing at Redis maxmemory', () => {
  let server: OwnedRedis;
  let admin: Redis;
  let t: QueueTestApp;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await admin.config('SET', 'maxmemory', '0');
    await admin.flushall();
    t = await createQueueApp([Filler], { redis: { queue: { url: server.url }, default: { url: server.url } } });
    await t.manager.connection().size('{default}'); // connected, scripts not needed yet
  });
  afterEach(async () => {
    await admin.config('SET', 'maxmemory', '0');
    await t.close();
  });

  /** Sets maxmemory to what the server uses now plus `headroom` bytes (negative: full already). */
  async function limitMemory(headroom: number): Promise<void> {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const info = await admin.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    await admin.config('SET', 'maxmemory', String(Math.max(1, used + headroom)));
  }

  it('refuses a dispatchMany on a full Redis with a QueueError and queues none of it', async () => {
    await limitMemory(-64 * 1024);

    const error = await t.bus.dispatchMany(fillers()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QueueError);
    expect(String(error)).toMatch(/OOM.*Nothing was queued/s);
    await expect(t.bus.dispatch(Filler, { text, n: 0 })).rejects.toBeInstanceOf(QueueError);
    await expect(t.bus.chain([job(Filler, { text, n: 0 })]).dispatch()).rejects.toBeInstanceOf(QueueError);
    expect(await admin.llen(`${t.prefix}queues:{default}`)).toBe(0);
  });

  it('queues every job of a dispatchMany that runs into maxmemory part way, or none, never a part', async () => {
    await limitMemory(512 * 1024); // room for about 500 of the 4,000 jobs

    const outcome = await t.bus.dispatchMany(fillers()).then(
      (ids) => ({ ids }),
      (error: unknown) => ({ error }),
    );

    const ready = await admin.llen(`${t.prefix}queues:{default}`);
    if ('ids' in outcome) {
      expect(outcome.ids.filter(Boolean)).toHaveLength(JOBS);
      expect(ready).toBe(JOBS);
    } else {
      expect(outcome.error).toBeInstanceOf(QueueError);
      expect(ready).toBe(0);
    }
  });

  it('refuses a batch on a full Redis with a QueueError, leaving no batch and no job', async () => {
    await limitMemory(-64 * 1024);

    const error = await t.bus.batch([job(Filler, { text, n: 1 })]).dispatch().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QueueError);
    const s = await stored(admin, t.prefix);
    expect(s).toEqual({ ready: 0, batches: [], batchIdsInJobs: new Set() });
  });

  it('never leaves a job of a batch that ran into maxmemory without its batch record', async () => {
    await limitMemory(512 * 1024);

    const outcome = await t.bus.batch(fillers()).dispatch().then(
      (batch) => ({ batch }),
      (error: unknown) => ({ error }),
    );

    const s = await stored(admin, t.prefix);
    if ('batch' in outcome) {
      expect(s.ready).toBe(JOBS);
      expect(s.batches).toEqual([outcome.batch.id]);
      expect([...s.batchIdsInJobs]).toEqual([outcome.batch.id]);
      expect(outcome.batch.totalJobs).toBe(JOBS);
    } else {
      expect(outcome.error).toBeInstanceOf(QueueError);
      expect(s).toEqual({ ready: 0, batches: [], batchIdsInJobs: new Set() });
    }
  });
});

describe('dispatchMany across two Redis servers', () => {
  let full: OwnedRedis;
  let admin: Redis;
  let t: QueueTestApp;
  beforeAll(async () => {
    full = await startRedisServer();
    admin = new Redis(full.url, { maxRetriesPerRequest: 1 });
    await admin.config('SET', 'maxmemory', '1');
  });
  afterAll(async () => {
    await t?.close();
    admin.disconnect();
    await full.stop();
  });

  it('takes back what went to the first server when the second refuses its part', async () => {
    t = await createQueueApp([Filler], {
      default: 'main',
      redis: { main: { url: testRedisUrl() }, full: { url: full.url }, default: { url: testRedisUrl() } },
      connections: {
        main: { driver: 'redis', connection: 'main', queue: 'default' },
        spare: { driver: 'redis', connection: 'full', queue: 'default' },
      },
    });

    const error = await t.bus
      .dispatchMany([job(Filler, { text, n: 1 }).onConnection('main'), job(Filler, { text, n: 2 }).onConnection('spare'), job(Filler, { text, n: 3 })])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QueueError);
    expect(await t.redis.llen(`${t.prefix}queues:{default}`)).toBe(0);
    expect(await t.redis.llen(`${t.prefix}queues:{default}:notify`)).toBe(0);
  });
});

describe('a dispatch whose command times out on the client', () => {
  let server: OwnedRedis;
  let blocker: Redis;
  let t: QueueTestApp;
  const BUSY_SCRIPT = `
    local t0 = redis.call('time')
    local start = tonumber(t0[1]) * 1000000 + tonumber(t0[2])
    while true do
      local t = redis.call('time')
      if tonumber(t[1]) * 1000000 + tonumber(t[2]) - start > tonumber(ARGV[1]) then return 1 end
    end`;
  beforeAll(async () => {
    server = await startRedisServer();
    blocker = new Redis(server.url, { maxRetriesPerRequest: 1 });
    // A script may keep Redis busy longer than its default 5 s before other clients get BUSY replies.
    await blocker.config('SET', 'busy-reply-threshold', '60000');
    t = await createQueueApp([Filler], { redis: { queue: { url: server.url, commandTimeout: 500 }, default: { url: server.url, commandTimeout: 500 } } });
    // Load the scripts (a timed-out EVALSHA of an unknown script would only come back NOSCRIPT).
    await t.bus.dispatch(Filler, { text: 'warm-up', n: 0 });
    await t.bus.dispatchMany([job(Filler, { text: 'warm-up', n: 0 })]);
    await blocker.del(`${t.prefix}queues:{default}`);
  });
  afterAll(async () => {
    await t.close();
    blocker.disconnect();
    await server.stop();
  });

  /** Keeps Redis busy (one script for `ms`) while `send` runs; retried when the send was not held up after all. */
  async function whileBusy<T>(send: () => PromiseLike<T>): Promise<unknown> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const busy = blocker.eval(BUSY_SCRIPT, 0, 2500 * 1000);
      await sleep(200);
      const outcome = await Promise.resolve(send()).then(
        () => null,
        (error: unknown) => error,
      );
      await busy;
      if (outcome) return outcome;
    }
    throw new Error('the dispatch was never held up by the busy Redis');
  }

  it('says the outcome is unknown and carries the job id, and the job does get queued', async () => {
    const error = await whileBusy(() => t.bus.dispatch(Filler, { text: 'one', n: 1 }));

    expect(error).toBeInstanceOf(DispatchOutcomeUnknownError);
    expect(error).toBeInstanceOf(QueueError);
    const unknown = error as DispatchOutcomeUnknownError;
    expect(unknown.jobIds).toHaveLength(1);
    expect(unknown.message).toContain('unknown whether the job was queued');
    expect(unknown.message).toContain(unknown.jobIds[0]);
    const ready = `${t.prefix}queues:{default}`;
    await waitUntil(async () => (await blocker.lrange(ready, 0, -1)).some((raw) => raw.includes(unknown.jobIds[0])), 'the job reached its queue');
    await blocker.del(ready);
  });

  it('carries every id of a dispatchMany whose outcome is unknown', async () => {
    const error = await whileBusy(() => t.bus.dispatchMany([job(Filler, { text: 'a', n: 1 }), job(Filler, { text: 'b', n: 2 })]));

    expect(error).toBeInstanceOf(DispatchOutcomeUnknownError);
    const ids = (error as DispatchOutcomeUnknownError).jobIds;
    expect(ids).toHaveLength(2);
    const ready = `${t.prefix}queues:{default}`;
    await waitUntil(async () => (await blocker.llen(ready)) === 2, 'both jobs reached their queue');
    const queued = (await blocker.lrange(ready, 0, -1)).map((raw) => JSON.parse(raw).uuid as string);
    expect(queued.sort()).toEqual([...ids].sort());
  });
});
