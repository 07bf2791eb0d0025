import { createFixtureApp, fixtureRecords, heldJobs, reservations } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { sleep, testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { gateKey, GatedJob } from '../fixtures/worker-process/fixture-jobs';

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

  const openGate = (gate: string) => t.redis.set(gateKey(prefix, gate), '1');

  it.each([RETRY_AFTER, 1])('a job running 3 × retryAfter (%i s) on a live worker runs exactly once while a second worker polls the same queue', async (retryAfter) => {
    const gate = `long-${retryAfter}`;
    const id = await t.bus.dispatch(GatedJob, { gate });
    const a = await start(retryAfter);
    await a.waitForOutput(new RegExp(`^processing ${id} attempt=1$`, 'm'));
    const startedAt = Date.now();
    const b = await start(retryAfter);
    // Worker B is polling now; the job stays in hand on A for 3 × retryAfter at least (a lower bound), then finishes.
    const left = retryAfter * 3000 - (Date.now() - startedAt);
    if (left > 0) await sleep(left);
    await openGate(gate);

    await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'the long job to complete', 20000);
    await waitUntil(async () => (await heldJobs(t)).reserved === 0, 'the reservation to be removed');

    const { started, done } = await fixtureRecords(t);
    expect(done).toEqual([id]);
    expect(started).toEqual([{ id, pid: a.pid, attempt: 1 }]);
    expect(b.running).toBe(true);
    expect(b.count(/^processing /)).toBe(0);
    expect(a.output).not.toContain('may run twice');
  });

  it('the job of a SIGKILLed worker comes back once its reservation (retryAfter past the last heartbeat) lapses, and runs on another worker', async () => {
    const id = await t.bus.dispatch(GatedJob, { gate: 'killed' });
    const a = await start();
    await a.waitForOutput(new RegExp(`^processing ${id} attempt=1$`, 'm'));
    const b = await start();
    // A's reservation as its heartbeat keeps it (read before the kill: a later beat only moves it further out).
    const [left] = await reservations(t);
    expect(left).toMatchObject({ id, attempts: 1 });
    expect(await a.kill()).toEqual({ code: null, signal: 'SIGKILL' });

    await b.waitForOutput(new RegExp(`^processing ${id} attempt=2$`, 'm'));
    // B reserved it (until now + retryAfter) only once A's reservation had lapsed: not before, and not early by a heartbeat.
    const [taken] = await reservations(t);
    expect(taken).toMatchObject({ id, attempts: 2 });
    expect(taken.until).toBeGreaterThanOrEqual(left.until + RETRY_AFTER);
    await openGate('killed');

    await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'worker B to complete the job', 20000);
    const { started, done } = await fixtureRecords(t);
    expect(done).toEqual([id]);
    expect(started).toEqual([
      { id, pid: a.pid, attempt: 1 },
      { id, pid: b.pid, attempt: 2 },
    ]);
  });
});
