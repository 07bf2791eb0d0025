import { createFixtureApp, fixtureRecords, heldJobs } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

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

  it('SIGTERM: the job in hand finishes, no new job is taken, WorkerStopping fires, exit code 0', async () => {
    const inHand = await t.bus.dispatch(SleepJob, { ms: 1500, track: true });
    await t.bus.dispatch(SleepJob, { ms: 5 });
    const w = await start({ redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1 } });
    await waitUntil(async () => (await fixtureRecords(t)).started.length === 1, 'the long job to start');

    w.signal('SIGTERM');
    const exit = await w.waitForExit(10000);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(w.output).toContain('SIGTERM received: finishing the jobs in hand');
    expect(w.count(/^WorkerStopping status=0 reason=signal$/)).toBe(1);
    expect((await fixtureRecords(t)).done).toEqual([inHand]);
    expect(await heldJobs(t)).toEqual({ ready: 1, delayed: 0, reserved: 0 });
  });

  it('a second SIGTERM exits at once with code 1; the job in hand returns after retryAfter and another worker runs it', async () => {
    const id = await t.bus.dispatch(SleepJob, { ms: 3000, track: true });
    const a = await start({ redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1, tries: 3 } });
    await waitUntil(async () => (await fixtureRecords(t)).started.length === 1, 'the job to start on worker A');

    a.signal('SIGTERM');
    await a.waitForOutput(/SIGTERM received: finishing/);
    a.signal('SIGTERM');
    const exit = await a.waitForExit(2000); // the job had about 3 s left: a graceful stop could not be this quick

    expect(exit).toEqual({ code: 1, signal: null });
    expect(a.output).toContain('SIGTERM received again: exiting now');
    expect(a.count(/^WorkerStopping/)).toBe(0);
    expect(await heldJobs(t)).toEqual({ ready: 0, delayed: 0, reserved: 1 });

    const b = await start({ redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1, tries: 3 } });
    await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'worker B to complete the job', 15000);
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
