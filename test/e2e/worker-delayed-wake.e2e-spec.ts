import { Job, JobContext, Looping, job } from '../../lib';
import type { QueueDriver } from '../../lib/drivers/queue-driver.interface';
import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { waitUntil } from '../support/test-redis';

const ran: { n: number; queue: string; attempts: number; at: number }[] = [];

@Job()
class Note {
  handle(data: { n: number }, job: JobContext): void {
    ran.push({ n: data.n, queue: job.queue, attempts: job.attempts, at: Date.now() });
  }
}

/** One idle wait of a worker's driver: which kind, when it began, how long it was asked to last (s), how it ended. */
interface IdleWait {
  kind: 'waitForJobs' | 'waitForDue';
  startedAt: number;
  seconds: number;
  /** 'cut': the client was closed under it (the worker stopping). */
  outcome?: 'ended' | 'cut';
}

/**
 * Records the idle waits of the drivers the worker makes (the spy wraps QueueManager.createDriver): the evidence
 * that a job was taken before the wait the worker was in would have ended.
 */
function observeWaits(t: QueueTestApp): IdleWait[] {
  const waits: IdleWait[] = [];
  const create = t.manager.createDriver.bind(t.manager);
  jest.spyOn(t.manager, 'createDriver').mockImplementation((...args: Parameters<typeof create>) => {
    const driver: QueueDriver = create(...args);
    for (const kind of ['waitForJobs', 'waitForDue'] as const) {
      const original = driver[kind]?.bind(driver);
      if (!original) continue;
      driver[kind] = (queues: readonly string[], seconds: number) => {
        const wait: IdleWait = { kind, startedAt: Date.now(), seconds };
        waits.push(wait);
        return original(queues, seconds).then(
          () => void (wait.outcome = 'ended'),
          (error: unknown) => {
            wait.outcome = 'cut';
            throw error;
          },
        );
      };
    }
    return driver;
  });
  return waits;
}

/**
 * Starts a worker and resolves once it is idle in a wait of the whole `sleep`/`blockFor` (60 s), knowing of no
 * delayed job. Its first wait is one: the wait whose blocking client is still connecting must last as long as any.
 */
async function idleWorker(t: QueueTestApp, waits: IdleWait[], options: Parameters<QueueTestApp['worker']['run']>[0]) {
  const startedAt = Date.now();
  const run = t.worker.run({ sleep: 60, ...options });
  const idle = () => waits.find((w) => w.startedAt >= startedAt && w.seconds === 60 && !w.outcome);
  await waitUntil(() => idle() !== undefined, 'the worker to wait, knowing of no delayed job', 20000);
  return { run, wait: idle() as IdleWait };
}

describe('an idle worker and delayed jobs', () => {
  let t: QueueTestApp;
  let waits: IdleWait[];
  beforeEach(async () => {
    ran.length = 0;
    t = await createQueueApp([Note], {
      connections: {
        // blockFor and sleep of 60 s: a worker that waited them out could not take a job within the test's timeout.
        blocking: { driver: 'redis', connection: 'queue', queue: 'blocking', retryAfter: 90, blockFor: 60 },
        sleeping: { driver: 'redis', connection: 'queue', queue: 'sleeping', retryAfter: 90, blockFor: null },
      },
    });
    waits = observeWaits(t);
  });
  afterEach(async () => {
    await t.worker.stop();
    await t.close();
  });

  const wakeKey = (queue: string) => queueKeys(t.prefix, queue).wake;

  it.each([
    ['blocking (blockFor: 60)', 'blocking', 'waitForJobs'],
    ['sleeping (blockFor: null, sleep: 60)', 'sleeping', 'waitForDue'],
  ] as const)('a %s worker takes a job delayed while it waits at its due time, not when its wait ends', async (_, connection, kind) => {
    const { run, wait } = await idleWorker(t, waits, { connection });
    // It waits knowing of no delayed job: the whole blockFor (or sleep).
    expect(wait.kind).toBe(kind);
    const dispatchedAt = Date.now();
    await t.bus.dispatch(Note, { n: 1 }).onConnection(connection).delay(0.5);
    await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
    expect(ran[0].at).toBeGreaterThanOrEqual(dispatchedAt + 490);
    expect(ran[0].at).toBeLessThan(wait.startedAt + 60_000);
    // Woken by the dispatch, its next pop learned the due time and it waited no longer than that.
    expect(waits.some((w) => w.startedAt >= dispatchedAt && w.kind === kind && w.seconds <= 0.5)).toBe(true);
    t.worker.stop();
    expect(await run).toBe('stopped');
  });

  it('a worker whose pop finds only a delayed job (on any of its queues) waits no longer than its due time', async () => {
    await t.bus.dispatch(Note, { n: 1 }).onConnection('blocking').onQueue('low').delay(1);
    // No wake-up left over from the dispatch: only the pop's answer can end the wait early.
    await t.redis.del(wakeKey('low'));
    const run = t.worker.run({ connection: 'blocking', queue: 'high,low', sleep: 60 });
    await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
    expect(ran[0].queue).toBe('low');
    expect(waits[0].kind).toBe('waitForJobs');
    expect(waits[0].seconds).toBeLessThanOrEqual(1);
    t.worker.stop();
    await run;
  });

  it('a job released with a delay wakes an idle worker by its due time', async () => {
    await t.bus.dispatch(Note, { n: 7 }).onConnection('blocking');
    const other = t.manager.createDriver('blocking') as RedisQueueDriver;
    const [job] = await other.pop(['blocking'], 1);
    const { run, wait } = await idleWorker(t, waits, { connection: 'blocking', tries: 3 });
    expect(await other.release(job, 0.5)).toBe(true);
    await waitUntil(() => ran.length === 1, 'the released job to run', 20000);
    expect(ran[0]).toMatchObject({ n: 7, attempts: 2 });
    expect(ran[0].at).toBeLessThan(wait.startedAt + 60_000);
    t.worker.stop();
    await run;
    await other.close();
  });

  it('the pop that takes the last ready job of a queue with delayed jobs wakes another idle worker to watch them', async () => {
    // Two payloads made by dispatching, then taken off the queue: a delayed one (D) and a ready one (L).
    const k = queueKeys(t.prefix, 'blocking');
    await t.bus.dispatch(Note, { n: 1 }).onConnection('blocking').delay(30);
    const [delayed] = await t.redis.zrange(k.delayed, '0', '0');
    await t.bus.dispatch(Note, { n: 2 }).onConnection('blocking');
    const ready = (await t.redis.lpop(k.ready)) as string;
    await t.redis.del(k.delayed, k.notify, k.wake);
    const { run, wait } = await idleWorker(t, waits, { connection: 'blocking' });
    // D due in 0.5 s and L ready, written without any wake-up: the idle worker knows of neither.
    const [seconds, micros] = await t.redis.time();
    await t.redis.zadd(k.delayed, String(Number(seconds) + Number(micros) / 1e6 + 0.5), delayed);
    await t.redis.rpush(k.ready, ready);
    // Another worker takes L and is busy with it: its pop leaves a wake-up, so the idle one learns D's due time.
    const other = t.manager.createDriver('blocking') as RedisQueueDriver;
    const taken = await other.pop(['blocking'], 1);
    expect(taken).toHaveLength(1);
    await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
    expect(ran[0].n).toBe(1);
    expect(ran[0].at).toBeLessThan(wait.startedAt + 60_000);
    t.worker.stop();
    await run;
    await other.ack(taken[0]);
    await other.close();
  });

  it("ends a wait bounded by a due time from the worker's side at that time (CLIENT UNBLOCK), not at Redis's next cron tick", async () => {
    const unblocks = async () => Number(/^cmdstat_client\|unblock:calls=(\d+)/m.exec(await t.redis.info('commandstats'))?.[1] ?? 0);
    const { run, wait } = await idleWorker(t, waits, { connection: 'blocking' });
    const before = await unblocks();
    await t.bus.dispatch(Note, { n: 1 }).onConnection('blocking').delay(0.3);
    await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
    expect(ran[0].at).toBeLessThan(wait.startedAt + 60_000);
    // Other suites may unblock clients of their own on this Redis too: the count only has to have grown.
    expect(await unblocks()).toBeGreaterThan(before);
    t.worker.stop();
    await run;
  });

  it('keeps at most one wake-up per queue, and adds none for a job due after the earliest', async () => {
    const wake = wakeKey('blocking');
    await t.bus.dispatch(Note, { n: 1 }).onConnection('blocking').delay(10);
    expect(await t.redis.llen(wake)).toBe(1);
    await t.bus.dispatch(Note, { n: 2 }).onConnection('blocking').delay(5);
    expect(await t.redis.llen(wake)).toBe(1);
    await t.redis.del(wake);
    await t.bus.dispatch(Note, { n: 3 }).onConnection('blocking').delay(20);
    expect(await t.redis.llen(wake)).toBe(0);
    await t.bus.dispatchMany([4, 5].map((n) => job(Note, { n }).onConnection('blocking').delay(30)));
    expect(await t.redis.llen(wake)).toBe(0);
    expect(await t.manager.connection('blocking').clear('blocking')).toBe(5);
    expect(await t.redis.exists(wake)).toBe(0);
  });

  it('dispatchMany of delayed jobs that become the earliest due wakes an idle worker', async () => {
    const wake = wakeKey('blocking');
    await t.bus.dispatch(Note, { n: 1 }).onConnection('blocking').delay(60);
    await t.redis.del(wake);
    await t.bus.dispatchMany([2, 3].map((n) => job(Note, { n }).onConnection('blocking').delay(30)));
    expect(await t.redis.llen(wake)).toBe(1);
  });

  it('reports the earliest due time of the popped queues after a pop that found too few jobs, and none once nothing is delayed', async () => {
    const driver = t.manager.createDriver('blocking') as RedisQueueDriver;
    try {
      expect(await driver.pop(['high', 'low'], 1)).toEqual([]);
      expect(driver.nextDueAt(['high', 'low'])).toBeNull();
      const before = Date.now();
      await driver.later('low', '{"v":1,"job":"x","data":{}}', 5);
      await driver.later('high', '{"v":1,"job":"y","data":{}}', 8);
      expect(await driver.pop(['high', 'low'], 1)).toEqual([]);
      const after = Date.now();
      const at = driver.nextDueAt(['high', 'low']) as number;
      expect(at).toBeGreaterThanOrEqual(before + 4900);
      expect(at).toBeLessThanOrEqual(after + 5100);
      expect(driver.nextDueAt(['high']) as number).toBeGreaterThan(at);
      await driver.clear('low');
      await driver.clear('high');
      expect(await driver.pop(['high', 'low'], 1)).toEqual([]);
      expect(driver.nextDueAt(['high', 'low'])).toBeNull();
      // A pop that moves a due job and finds too few still reports the next one's due time.
      await driver.later('low', '{"v":1,"job":"due","data":{}}', 0);
      await driver.later('low', '{"v":1,"job":"later","data":{}}', 5);
      const sent = Date.now();
      const taken = await driver.pop(['low'], 2);
      expect(taken.map((j) => JSON.parse(j.raw).job)).toEqual(['due']);
      expect(driver.nextDueAt(['low']) as number).toBeGreaterThanOrEqual(sent + 4900);
      await driver.ack(taken[0]);
      await driver.clear('low');
    } finally {
      await driver.close();
    }
  });
});

describe('stopWhenEmpty', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    ran.length = 0;
    t = await createQueueApp([Note], {
      connections: { blocking: { driver: 'redis', connection: 'queue', queue: 'blocking', retryAfter: 90, blockFor: 60 } },
    });
  });
  afterEach(() => t.close());

  it('stops at the first pop that finds nothing on a blocking connection, without an idle wait; a job not yet due does not keep it', async () => {
    const waits = observeWaits(t);
    for (let n = 1; n <= 3; n++) await t.bus.dispatch(Note, { n }).onConnection('blocking');
    await t.bus.dispatch(Note, { n: 4 }).onConnection('blocking').delay(60);
    const loops: string[] = [];
    t.events.on(Looping, (e) => void loops.push(e.queue));
    expect(await t.worker.run({ connection: 'blocking', stopWhenEmpty: true, sleep: 60 })).toBe('empty');
    expect(ran.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(waits).toEqual([]);
    // Three pops that found a job and the one that found none.
    expect(loops).toHaveLength(4);
    expect((await t.manager.connection('blocking').sizes('blocking')).delayed).toBe(1);
  });

  it('stops once the queues are empty with several slots, cutting short the waits of the idle ones', async () => {
    const waits = observeWaits(t);
    for (let n = 1; n <= 10; n++) await t.bus.dispatch(Note, { n }).onConnection('blocking');
    expect(await t.worker.run({ connection: 'blocking', stopWhenEmpty: true, concurrency: 4, sleep: 60 })).toBe('empty');
    expect(ran).toHaveLength(10);
    // A slot waits only while another has a job in hand, and the stop ends that wait: none ran to its end.
    expect(waits.filter((w) => w.outcome !== 'cut')).toEqual([]);
  });
});
