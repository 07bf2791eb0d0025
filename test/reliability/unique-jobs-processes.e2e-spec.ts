import { job } from '../../lib';
import {
  middlewareGateKey, middlewareLists, UniqueJob, uniqueLockKey, UniqueRaceJob, UniqueUntilProcessingJob,
} from '../fixtures/worker-process/middleware-fixture-jobs';
import type { QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { heldJobs } from './support/fixture-app';
import { createMiddlewareApp, delayedJobs, newKey, records, startMiddlewareWorker } from './support/middleware-processes';
import type { WorkerProcess } from './support/worker-process';

const WORKERS = 3;
/** Dispatches each racer fires at once. */
const PER_RACER = 10;
/**
 * Seconds a job waits in `:delayed` (the race's winner, the first until-processing copy), so it is not run (and
 * unlocked) while the test checks its lock, however long that takes; the test makes it due afterwards.
 */
const RACE_DELAY = 3600;

describe('unique jobs with concurrent dispatchers (3 worker processes, 3 app contexts)', () => {
  const url = testRedisUrl();
  const key = newKey();
  const prefix = uniquePrefix('unique-processes');
  let t: QueueTestApp;
  /** Sending apps in this process, each on connections of its own. */
  let senders: QueueTestApp[] = [];
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createMiddlewareApp(url, prefix, key);
    senders = [t, ...(await Promise.all([1, 2].map(() => createMiddlewareApp(url, prefix, key))))];
    // One job at a time per worker: the race's barrier then holds each racer in a different process.
    workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        startMiddlewareWorker({ redisUrl: url, prefix, worker: { concurrency: 1, sleep: 0.05, tries: 0, timeout: 30 } }, { key }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    for (const sender of senders.slice(1)) await sender.close();
    await t?.close();
  });

  const uniqueRuns = async () => (await records(t, 'unique')).map(([id, pid, held]) => ({ id, pid: Number(pid), held: held === '1' }));
  /** Makes a job waiting in `:delayed` due at once. */
  const makeDue = async (id: string) => {
    const delayed = `${prefix}queues:{default}:delayed`;
    const member = (await t.redis.zrange(delayed, '0', '-1')).find((raw) => (JSON.parse(raw) as { uuid: string }).uuid === id);
    expect(member).toBeDefined();
    expect(await t.redis.zadd(delayed, 'XX', 'CH', 0, member as string)).toBe(1);
  };
  const isDone = async (id: string) => (await t.redis.lrange(middlewareLists.done(prefix), 0, -1)).includes(id);

  it('the same unique job dispatched at once from 3 processes and 3 app contexts is queued exactly once; the rest resolve to null; once it ran it can be sent again', async () => {
    const uniqueId = 'race';
    const parties = WORKERS + 1;
    // Three racers, one per worker process; this process is the fourth party at the barrier.
    await t.bus.dispatchMany(
      Array.from({ length: WORKERS }, () => job(UniqueRaceJob, { parties, dispatches: PER_RACER, id: uniqueId, delay: RACE_DELAY })),
    );
    const barrier = `${prefix}mw:barrier:${uniqueId}`;
    await t.redis.incr(barrier);
    await waitUntil(async () => Number(await t.redis.get(barrier)) >= parties, 'the racers in all 3 processes to reach the barrier', 15000);
    const here = await Promise.all(
      senders.flatMap((s) => Array.from({ length: PER_RACER }, () => s.bus.dispatch(UniqueJob, { id: uniqueId }).delay(RACE_DELAY))),
    );
    await waitUntil(async () => (await t.redis.llen(middlewareLists.race(prefix))) >= WORKERS * PER_RACER, 'every racer to record its dispatches');

    const there = (await records(t, 'race')).map(([pid, id]) => ({ pid: Number(pid), id: id === 'null' ? null : id }));
    const all = [...here, ...there.map((r) => r.id)];
    const winners = all.filter((id): id is string => id !== null);
    const racerPids = new Set(there.map((r) => r.pid));
    process.stdout.write(
      `unique race: ${all.length} dispatches (${there.length} from ${racerPids.size} worker processes, ${here.length} from ${senders.length} app contexts here); ` +
        `ids: ${winners.length}, nulls: ${all.length - winners.length}\n`,
    );

    expect(racerPids).toEqual(new Set(workers.map((w) => w.pid)));
    expect(winners).toHaveLength(1);
    const [winner] = winners;
    const queued = await delayedJobs(t);
    expect(queued.map((j) => j.id)).toEqual([winner]);
    expect((await heldJobs(t)).ready).toBe(0);
    expect(await t.redis.get(uniqueLockKey(prefix, 'mw-unique', uniqueId))).toBe(winner);

    // Due now: it runs once, holding its lock while it runs (until: 'processed'), and frees it when it completes.
    await makeDue(winner);
    await waitUntil(() => isDone(winner), 'the unique job to run', 10000);
    expect(await uniqueRuns()).toEqual([{ id: winner, pid: expect.any(Number), held: true }]);
    await waitUntil(async () => (await t.redis.exists(uniqueLockKey(prefix, 'mw-unique', uniqueId))) === 0, 'its lock to be freed');
    const again = await t.bus.dispatch(UniqueJob, { id: uniqueId });
    expect(again).not.toBeNull();
    await waitUntil(() => isDone(again as string), 'the unique job sent again to run');
  });

  it("until: 'processing' frees the lock just before handle: a copy can be sent while the first still runs; until processed it cannot", async () => {
    await t.redis.del(middlewareLists.unique(prefix));
    // Held in :delayed until the test makes it due, so no worker takes it (and frees its lock) too soon.
    const first = await t.bus.dispatch(UniqueUntilProcessingJob, { id: 'p', gate: 'p' }).delay(RACE_DELAY);
    expect(first).not.toBeNull();
    expect(await t.bus.dispatch(UniqueUntilProcessingJob, { id: 'p', gate: 'p' })).toBeNull(); // waiting: still locked
    await makeDue(first as string);
    await waitUntil(async () => (await uniqueRuns()).some((r) => r.id === first), 'the first run to begin');
    const duringRun = await t.bus.dispatch(UniqueUntilProcessingJob, { id: 'p' });
    expect(await isDone(first as string)).toBe(false); // its gate is shut: it is still running
    expect(duringRun).not.toBeNull();

    const processed = await t.bus.dispatch(UniqueJob, { id: 'q', gate: 'q' });
    await waitUntil(async () => (await uniqueRuns()).some((r) => r.id === processed), 'the until-processed run to begin');
    const whileProcessed = await t.bus.dispatch(UniqueJob, { id: 'q' });
    expect(await isDone(processed as string)).toBe(false);
    expect(whileProcessed).toBeNull();

    await Promise.all(['p', 'q'].map((gate) => t.redis.set(middlewareGateKey(prefix, gate), '1')));
    await waitUntil(async () => (await Promise.all([first, duringRun, processed].map((id) => isDone(id as string)))).every(Boolean), 'all three to complete');
    const runs = await uniqueRuns();
    expect(runs.find((r) => r.id === first)?.held).toBe(false);
    expect(runs.find((r) => r.id === duringRun)?.held).toBe(false);
    expect(runs.find((r) => r.id === processed)?.held).toBe(true);
    await waitUntil(async () => (await t.redis.keys(`${prefix}unique:*`)).length === 0, 'every unique lock to be freed');
  });
});
