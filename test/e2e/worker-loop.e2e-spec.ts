import { Job, JobContext, InvalidJobDataError, Looping, WorkerStopReason } from '../../lib';
import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { sleep, waitUntil } from '../support/test-redis';

/** The ids of the clients CLIENT LIST names. */
function clientIds(list: string): Set<string> {
  return new Set([...list.matchAll(/^id=(\d+) /gm)].map((m) => m[1]));
}

/**
 * How many clients CLIENT LIST shows blocked in a BLPOP that are not among `old` (clients of earlier tests on the
 * same server, such as an idle worker's wait that is still running out, are not the worker under test).
 */
function newBlockedClients(list: string, old: Set<string>): number {
  return list.split('\n').filter((line) => {
    const id = /^id=(\d+) /.exec(line)?.[1];
    return id !== undefined && !old.has(id) && / flags=\S*b/.test(line) && / cmd=blpop/.test(line);
  }).length;
}

const ran: { queue: string; n: number; attempts: number; at: number }[] = [];
let running = 0;
let maxRunning = 0;

@Job()
class RecordRun {
  async handle(data: { n: number; ms?: number }, job: JobContext): Promise<void> {
    running++;
    maxRunning = Math.max(maxRunning, running);
    ran.push({ queue: job.queue, n: data.n, attempts: job.attempts, at: Date.now() });
    if (data.ms) await sleep(data.ms);
    running--;
  }
}

describe('the worker loop', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    ran.length = 0;
    running = 0;
    maxRunning = 0;
    t = await createQueueApp([RecordRun], {
      connections: {
        redis: { driver: 'redis', connection: 'queue', queue: '{default}', retryAfter: 1 },
        blocking: { driver: 'redis', connection: 'queue', queue: 'blocking', retryAfter: 90, blockFor: 5 },
      },
    });
  });
  afterEach(() => t.close());

  it('serves queues strictly in the order given, whatever order jobs arrived in', async () => {
    await t.bus.dispatch(RecordRun, { n: 1 }).onQueue('low');
    await t.bus.dispatch(RecordRun, { n: 2 }).onQueue('default');
    await t.bus.dispatch(RecordRun, { n: 3 }).onQueue('high');
    await t.bus.dispatch(RecordRun, { n: 4 }).onQueue('low');
    await t.bus.dispatch(RecordRun, { n: 5 }).onQueue('high');
    await t.worker.run({ queue: 'high,default,low', stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => [r.queue, r.n])).toEqual([['high', 3], ['high', 5], ['default', 2], ['low', 1], ['low', 4]]);
  });

  it('expands a named queue list from the config', async () => {
    await t.bus.dispatch(RecordRun, { n: 1 }).onQueue('low');
    await t.bus.dispatch(RecordRun, { n: 2 }).onQueue('critical');
    await t.worker.run({ queue: 'priority', stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => r.queue)).toEqual(['critical', 'low']);
  });

  it('works the queue that shares its name with a list before the list, so no job is stranded', async () => {
    await t.bus.dispatch(RecordRun, { n: 1 }).onQueue('marketing');
    await t.bus.dispatch(RecordRun, { n: 2 }).onQueue('emails');
    await t.worker.run({ queue: 'emails', stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => r.queue)).toEqual(['emails', 'marketing']);
  });

  it("serves only the connection's own queue when no queue is given, even if a list has its name", async () => {
    await t.bus.dispatch(RecordRun, { n: 1 }).onConnection('redis-priority');
    await t.bus.dispatch(RecordRun, { n: 2 }).onConnection('redis-priority').onQueue('critical');
    await t.worker.run({ connection: 'redis-priority', stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => r.queue)).toEqual(['priority']);
  });

  it('holds a delayed job until its time', async () => {
    const dispatchedAt = Date.now();
    await t.bus.dispatch(RecordRun, { n: 1 }).delay(1);
    await t.bus.dispatch(RecordRun, { n: 2 }).delay(new Date(Date.now() + 300));
    expect((await t.manager.connection().sizes('{default}')).delayed).toBe(2);
    const run = t.worker.run({ sleep: 0.02 });
    try {
      await waitUntil(() => ran.length === 2, 'both delayed jobs to run', 20000);
    } finally {
      t.worker.stop();
      await run;
    }
    expect(ran.map((r) => r.n)).toEqual([2, 1]);
    // Not before their time (the lower bounds only: a loaded machine may run them later, never earlier).
    expect(ran[0].at - dispatchedAt).toBeGreaterThanOrEqual(290);
    expect(ran[1].at - dispatchedAt).toBeGreaterThanOrEqual(990);
  });

  it('hands a reserved job whose worker vanished to another worker after retryAfter, with the attempt counted', async () => {
    await t.bus.dispatch(RecordRun, { n: 7 });
    // A worker that reserves the job and dies: pop without ever acking.
    const dead = t.manager.createDriver('redis') as RedisQueueDriver;
    const taken = await dead.pop(['{default}'], 1);
    expect(taken).toHaveLength(1);
    expect(await t.worker.run({ once: true, sleep: 0 })).toBe('once');
    expect(ran).toEqual([]);
    await sleep(1100);
    await t.worker.run({ once: true, sleep: 0, tries: 3 });
    expect(ran.map((r) => [r.n, r.attempts])).toEqual([[7, 2]]);
    await dead.close();
  });

  it('wakes a blocking worker on a push, not on a poll: one wait inside Redis, ended by the push', async () => {
    // blockFor 60 s and sleep 60 s: a worker that polled could not take the job before the test's own timeout.
    const app = await createQueueApp([RecordRun], {
      connections: { slow: { driver: 'redis', connection: 'queue', queue: 'slow', retryAfter: 90, blockFor: 60 } },
    });
    try {
      const looping: string[] = [];
      app.events.on(Looping, (e) => void looping.push(e.queue));
      const old = clientIds((await app.redis.client('LIST')) as string);
      const run = app.worker.run({ connection: 'slow', once: true, sleep: 60 });
      // The worker is inside its blocking wait when Redis shows a new client blocked in BLPOP.
      await waitUntil(async () => newBlockedClients((await app.redis.client('LIST')) as string, old) >= 1, 'the worker to block inside Redis', 20000);
      expect(looping).toEqual(['slow']);
      await app.bus.dispatch(RecordRun, { n: 1 }).onConnection('slow');
      expect(await run).toBe('once');
      expect(ran.map((r) => r.n)).toEqual([1]);
      // Two turns of the loop: the pop that found nothing (then the wait), and the pop after the push woke it.
      expect(looping).toEqual(['slow', 'slow']);
    } finally {
      await app.close();
    }
  });

  it('keeps up to `concurrency` jobs in hand at once', async () => {
    await t.bus.dispatchMany(Array.from({ length: 20 }, (_, n) => ({ n, ms: 500 })).map((d) => ({ jobClass: RecordRun, data: d }) as never));
    await t.worker.run({ concurrency: 10, stopWhenEmpty: true, sleep: 0.01 });
    expect(ran).toHaveLength(20);
    expect(maxRunning).toBe(10);
  });

  it.each<[string, Parameters<QueueTestApp['worker']['run']>[0], WorkerStopReason, number]>([
    ['once', { once: true }, 'once', 1],
    ['maxJobs', { maxJobs: 3 }, 'max-jobs', 3],
    ['stopWhenEmpty', { stopWhenEmpty: true }, 'empty', 5],
  ])('stops for %s with that reason', async (_, options, reason, count) => {
    for (let n = 0; n < 5; n++) await t.bus.dispatch(RecordRun, { n });
    expect(await t.worker.run({ sleep: 0.01, ...options })).toBe(reason);
    expect(ran).toHaveLength(count);
  });

  it('stops for maxTime with that reason, even while idle', async () => {
    const started = Date.now();
    expect(await t.worker.run({ maxTime: 1, sleep: 0.05 })).toBe('max-time');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('stops gracefully on stop(): the job in hand finishes, no new job is taken', async () => {
    for (let n = 0; n < 3; n++) await t.bus.dispatch(RecordRun, { n, ms: 300 });
    const run = t.worker.run({ sleep: 0.01 });
    await waitUntil(() => running === 1, 'the first job to start');
    t.worker.stop();
    expect(await run).toBe('stopped');
    expect(ran).toHaveLength(1);
    expect(running).toBe(0);
    expect(await t.manager.connection().size('{default}')).toBe(2);
  });

  it('refuses data that JSON would change, naming the path, before anything reaches Redis', async () => {
    const bad = { n: 1, when: { at: new Map() } } as unknown as { n: number };
    await expect(t.bus.dispatch(RecordRun, bad)).rejects.toThrow(InvalidJobDataError);
    await expect(t.bus.dispatch(RecordRun, bad)).rejects.toThrow('data.when.at');
    await expect(t.bus.dispatch(RecordRun, { n: Number.NaN })).rejects.toThrow('data.n');
    await expect(t.bus.dispatch(RecordRun, { n: 1, ms: undefined })).rejects.toThrow('data.ms');
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    await expect(t.bus.dispatch(RecordRun, cyclic as unknown as { n: number })).rejects.toThrow('cycle');
    expect(await t.manager.connection().size('{default}')).toBe(0);
  });

  it('turns Dates in data into ISO strings', async () => {
    await t.bus.dispatch(RecordRun, { n: 1, when: new Date('2026-01-02T03:04:05.000Z') } as unknown as { n: number });
    const raw = await t.redis.lrange(`${t.prefix}queues:{default}`, 0, -1);
    expect(JSON.parse(raw[0]).data.when).toBe('2026-01-02T03:04:05.000Z');
  });

  it('moves a payload naming an unknown job to the failed jobs and goes on', async () => {
    const raw = '{"v":1,"attempts":0,"uuid":"0190f2a4-0000-7000-8000-000000000001","job":"NoSuchJob","data":{}}';
    await t.redis.rpush(`${t.prefix}queues:{default}`, raw);
    await t.bus.dispatch(RecordRun, { n: 1 });
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => r.n)).toEqual([1]);
    const record = await t.failed.find('0190f2a4-0000-7000-8000-000000000001');
    expect(record?.exception).toContain('No job named "NoSuchJob"');
    expect(record?.payload).toContain('"attempts":1');
  });
});
