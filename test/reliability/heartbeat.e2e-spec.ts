import { createFixtureApp, fixtureRecords, heldJobs } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

/** retryAfter of the connection in these tests, in seconds. */
const RETRY_AFTER = 2;

describe('reservation heartbeat (real worker processes)', () => {
  const url = testRedisUrl();
  let t: QueueTestApp;
  let prefix: string;
  const workers: WorkerProcess[] = [];
  const start = async (retryAfter = RETRY_AFTER) => {
    const w = await startWorker({ redisUrl: url, prefix, retryAfter, worker: { sleep: 0.1, tries: 3, timeout: 60 } });
    workers.push(w);
    return w;
  };

  beforeEach(async () => {
    prefix = uniquePrefix('heartbeat');
    t = await createFixtureApp(url, prefix, RETRY_AFTER);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await t.close();
  });

  it.each([RETRY_AFTER, 1])('a job running 3 × retryAfter (%i s) on a live worker runs exactly once while a second worker polls the same queue', async (retryAfter) => {
    const id = await t.bus.dispatch(SleepJob, { ms: retryAfter * 3000, track: true });
    const a = await start(retryAfter);
    await waitUntil(async () => (await fixtureRecords(t)).started.length === 1, 'worker A to start the job');
    const b = await start(retryAfter);

    await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'the long job to complete', 15000);
    await waitUntil(async () => (await heldJobs(t)).reserved === 0, 'the reservation to be removed');

    const { started, done } = await fixtureRecords(t);
    expect(done).toEqual([id]);
    expect(started).toEqual([{ id, pid: a.pid, attempt: 1 }]);
    expect(b.running).toBe(true);
    expect(a.output).not.toContain('may run twice');
  });

  it('the job of a SIGKILLed worker comes back after retryAfter and runs on another worker', async () => {
    const id = await t.bus.dispatch(SleepJob, { ms: 1500, track: true });
    const a = await start();
    await waitUntil(async () => (await fixtureRecords(t)).started.length === 1, 'worker A to start the job');
    const b = await start();
    const killedAt = Date.now();
    expect(await a.kill()).toEqual({ code: null, signal: 'SIGKILL' });

    await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'worker B to complete the job', 15000);
    const { started, done } = await fixtureRecords(t);
    expect(done).toEqual([id]);
    expect(started).toEqual([
      { id, pid: a.pid, attempt: 1 },
      { id, pid: b.pid, attempt: 2 },
    ]);
    // Not before its reservation ran out: the last heartbeat (every retryAfter / 2) held it for retryAfter more.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual((RETRY_AFTER / 2) * 1000);
  });
});
