import { createFixtureApp, fixtureRecords, fixtureStartTimes } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { sleep, testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { BlockingJob, BlockingOnceJob } from '../fixtures/worker-process/fixture-jobs';

/** Seconds: the reservation lapses this long after its last extension. */
const RETRY_AFTER = 2;
/** The handler holds the event loop this long: far past its timeout (1 s) + grace (2 s), and past retryAfter. */
const BLOCK_MS = 30000;

/**
 * A handler that blocks the event loop (a synchronous loop longer than its timeout) defeats a timer-based timeout
 * and an in-loop heartbeat: before the watchdog, the reservation lapsed while the job still ran, a second worker
 * took it, and the job ran several times at once. The watchdog thread keeps the reservation and ends the process.
 */
describe('the watchdog: a handler that blocks the event loop', () => {
  const url = testRedisUrl();
  let t: QueueTestApp;
  let workers: WorkerProcess[] = [];
  beforeEach(async () => {
    t = await createFixtureApp(url, uniquePrefix('watchdog'), RETRY_AFTER);
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    workers = [];
    await t.close();
  });

  const startTwo = async () => {
    workers = await Promise.all([0, 1].map(() => startWorker({ redisUrl: url, prefix: t.prefix, retryAfter: RETRY_AFTER, worker: { sleep: 0.1 } })));
    return workers;
  };

  it('two workers, tries 2: the blocked worker is ended (exit code 1), and the job runs again once, after it is gone', async () => {
    await startTwo();
    const exits = new Map(workers.map((w) => [w.pid, w.exited]));
    const id = await t.bus.dispatch(BlockingJob, { ms: BLOCK_MS, blockingAttempts: 1 });

    await waitUntil(async () => (await fixtureRecords(t)).started.length >= 1, 'the first run to start', 20000);
    const first = (await fixtureRecords(t)).started[0];
    const blocked = workers.find((w) => w.pid === first.pid) as WorkerProcess;
    const other = workers.find((w) => w !== blocked) as WorkerProcess;

    await waitUntil(async () => (await fixtureRecords(t)).started.length >= 2, 'the job to run again', 25000);
    await waitUntil(async () => (await fixtureRecords(t)).done.length >= 1, 'the second run to complete', 20000);
    await sleep(RETRY_AFTER * 1000 + 1000); // room for a third run, if the reservation were lost again

    const blockedExit = await exits.get(blocked.pid);
    expect(blockedExit?.code).toBe(1);
    expect(blocked.output).toMatch(/nestjs-queue watchdog: a default job has run [\d.]+ s, past its timeout and grace/);
    const { started, done } = await fixtureRecords(t);
    // Never two runs at once: the blocked handler's last sign of life (it prints while it spins) is before the
    // second run started (both stamped by Date.now() on this machine; the exit itself may be seen later under load).
    const lastRunning = Math.max(...blocked.output.split('\n').filter((l) => l.startsWith('running ')).map((l) => Number(/at=(\d+)/.exec(l)?.[1])));
    expect(Number.isFinite(lastRunning)).toBe(true);
    expect(lastRunning).toBeLessThan((await fixtureStartTimes(t))[1]);

    expect(started.map((s) => [s.id, s.pid, s.attempt])).toEqual([
      [id, blocked.pid, 1],
      [id, other.pid, 2],
    ]);
    expect(done).toEqual([id]);
    expect(await t.failed.all()).toEqual([]);
    expect(other.running).toBe(true);
  }, 120000);

  it('two workers, tries 1: the blocked worker is ended, and the job fails once (MaxAttemptsExceeded), without running again', async () => {
    await startTwo();
    const id = await t.bus.dispatch(BlockingOnceJob, { ms: BLOCK_MS });
    await waitUntil(async () => (await fixtureRecords(t)).started.length >= 1, 'the run to start', 20000);
    const first = (await fixtureRecords(t)).started[0];
    const blocked = workers.find((w) => w.pid === first.pid) as WorkerProcess;
    const other = workers.find((w) => w !== blocked) as WorkerProcess;

    expect((await blocked.waitForExit(30000)).code).toBe(1);
    await waitUntil(async () => (await t.failed.all()).length >= 1, 'the job to be failed', 20000);
    await sleep(RETRY_AFTER * 1000 + 1000); // room for a second failure or run, if there were one

    const failed = await t.failed.all();
    expect(failed.map((f) => f.id)).toEqual([id]);
    expect(failed[0].exception).toContain('MaxAttemptsExceededError');
    const { started, done } = await fixtureRecords(t);
    expect(started).toHaveLength(1);
    expect(done).toEqual([]);
    expect(other.running).toBe(true);
  }, 120000);
});
