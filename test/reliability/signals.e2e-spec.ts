import { createFixtureApp, fixtureRecords, heldJobs, reservations } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { gateKey, GatedJob, SleepJob } from '../fixtures/worker-process/fixture-jobs';

describe('signals (real worker processes)', () => {
  const url = testRedisUrl();
  let t: QueueTestApp;
  let prefix: string;
  const workers: WorkerProcess[] = [];
  const start = async (options: Parameters<typeof startWorker>[0]) => {
    const w = await startWorker(options);
    workers.push(w);
    return w;
  };

  beforeEach(async () => {
    prefix = uniquePrefix('signals');
    t = await createFixtureApp(url, prefix, 2);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await t.close();
  });

  const openGate = (gate: string) => t.redis.set(gateKey(prefix, gate), '1');

  it('SIGTERM: the job in hand finishes, no new job is taken, WorkerStopping fires, exit code 0', async () => {
    const inHand = await t.bus.dispatch(GatedJob, { gate: 'in-hand' });
    await t.bus.dispatch(SleepJob, { ms: 5 });
    const w = await start({ redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1 } });
    await w.waitForOutput(new RegExp(`^processing ${inHand} `, 'm'));

    w.signal('SIGTERM');
    await w.waitForOutput(/SIGTERM received: finishing the jobs in hand/);
    await openGate('in-hand');
    const exit = await w.waitForExit();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(w.count(/^WorkerStopping status=0 reason=signal$/)).toBe(1);
    expect((await fixtureRecords(t)).done).toEqual([inHand]);
    expect(await heldJobs(t)).toEqual({ ready: 1, delayed: 0, reserved: 0 });
  });

  it('a second SIGTERM exits at once with code 1; the job in hand returns after retryAfter and another worker runs it', async () => {
    const id = await t.bus.dispatch(GatedJob, { gate: 'second-sigterm' });
    const a = await start({ redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1, tries: 3 } });
    await a.waitForOutput(new RegExp(`^processing ${id} attempt=1$`, 'm'));

    a.signal('SIGTERM');
    await a.waitForOutput(/SIGTERM received: finishing/);
    a.signal('SIGTERM');
    // The job's gate is shut: a graceful stop could not happen, so an exit is the forced one.
    const exit = await a.waitForExit();

    expect(exit).toEqual({ code: 1, signal: null });
    expect(a.output).toContain('SIGTERM received again: exiting now');
    expect(a.count(/^WorkerStopping/)).toBe(0);
    expect((await fixtureRecords(t)).done).toEqual([]);
    expect(await heldJobs(t)).toEqual({ ready: 0, delayed: 0, reserved: 1 });

    const [left] = await reservations(t);
    const b = await start({ redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1, tries: 3 } });
    await b.waitForOutput(new RegExp(`^processing ${id} attempt=2$`, 'm'));
    // B reserved it (until now + retryAfter) only once A's reservation had lapsed.
    const [taken] = await reservations(t);
    expect(taken).toMatchObject({ id, attempts: 2 });
    expect(taken.until).toBeGreaterThanOrEqual(left.until + 2);
    await openGate('second-sigterm');
    await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'worker B to complete the job', 20000);
    const { started, done } = await fixtureRecords(t);
    expect(done).toEqual([id]);
    expect(started.map((s) => [s.id, s.pid, s.attempt])).toEqual([
      [id, a.pid, 1],
      [id, b.pid, 2],
    ]);
    await waitUntil(async () => (await heldJobs(t)).reserved === 0, 'worker B to remove the reservation');
    expect(await heldJobs(t)).toEqual({ ready: 0, delayed: 0, reserved: 0 });
  });
});
