import { job } from '../../lib';
import { createFixtureApp, fixtureRecords, heldJobs } from './support/fixture-app';
import { startWorker, WorkerProcess, WorkerProcessOptions } from './support/worker-process';
import { sleep, testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

const JOBS = 2000;
const WORKERS = 3;
const RETRY_AFTER = 2;
/** A worker is SIGKILLed every KILL_EVERY_MS ± half of it while jobs remain, and a new one started. */
const KILL_EVERY_MS = 400;
/** Chaos stops after this long even if jobs remain, so the survivors can finish within the test's time. */
const CHAOS_FOR_MS = 20000;
/**
 * How long the survivors may take to finish what is left. Generous: on a loaded machine (a CPU hog, other suites)
 * each forked worker takes seconds to boot and the throughput falls far below the idle machine's.
 */
const FINISH_WITHIN_MS = 60000;
/** Kills of running workers that chaos waits for, however slow the machine, and the longest it may take. */
const MIN_BUSY_KILLS = 5;
const CHAOS_AT_MOST_MS = 60000;

describe('chaos: worker processes SIGKILLed at random while they work', () => {
  const url = testRedisUrl();
  let t: QueueTestApp;
  let prefix: string;
  const all: WorkerProcess[] = [];

  beforeAll(async () => {
    prefix = uniquePrefix('chaos');
    t = await createFixtureApp(url, prefix, RETRY_AFTER);
  });
  afterAll(async () => {
    await Promise.all(all.map((w) => w.kill()));
    await t.close();
  });

  it(`every one of ${JOBS} jobs completes at least once and no job is left in Redis`, async () => {
    // 5 to 40 ms of work each: long enough that most kills catch jobs in hand.
    const ids = (await t.bus.dispatchMany(Array.from({ length: JOBS }, () => job(SleepJob, { ms: 5 + Math.floor(Math.random() * 36), track: true })))) as string[];
    expect(new Set(ids).size).toBe(JOBS);

    const options: WorkerProcessOptions = { redisUrl: url, prefix, retryAfter: RETRY_AFTER, worker: { concurrency: 2, sleep: 0.1, tries: 0 } };
    const live = new Set<WorkerProcess>();
    const launch = () => {
      const w = new WorkerProcess(options);
      all.push(w);
      live.add(w);
      void w.exited.then(() => live.delete(w));
      return w;
    };
    for (let i = 0; i < WORKERS; i++) launch();
    const started = Date.now();
    const uniqueDone = async () => new Set((await fixtureRecords(t)).done).size;

    let kills = 0;
    let killedWhileBusy = 0;
    // Kills are paced by the workers, not the clock alone: on a loaded machine a worker can take longer to boot than
    // KILL_EVERY_MS, and killing only booting workers would never catch a job in hand. So a victim is picked among
    // the workers that have begun jobs (kills then catch jobs in hand), and chaos goes on until enough of those kills.
    const enough = () => Date.now() - started >= CHAOS_FOR_MS && killedWhileBusy >= MIN_BUSY_KILLS;
    while (!enough() && Date.now() - started < CHAOS_AT_MOST_MS && (await uniqueDone()) < JOBS) {
      await sleep(KILL_EVERY_MS / 2 + Math.random() * KILL_EVERY_MS);
      // Only a worker that has begun jobs is taking them: killing it catches jobs in hand (one still booting holds none).
      const working = new Set((await fixtureRecords(t)).started.map((r) => r.pid));
      const victims = [...live].filter((w) => /WORKER_READY/.test(w.output) && working.has(w.pid));
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (!victim) continue;
      killedWhileBusy++;
      await victim.kill();
      kills++;
      launch();
    }
    const chaosMs = Date.now() - started;

    await waitUntil(async () => (await uniqueDone()) === JOBS, `all ${JOBS} jobs to complete after the chaos`, FINISH_WITHIN_MS);
    await waitUntil(async () => {
      const held = await heldJobs(t);
      return held.ready + held.delayed + held.reserved === 0;
    }, 'no job to be left in the ready list, delayed set or reserved set', 10000);

    const survivors = [...live];
    // WORKER_READY is printed once run() handles signals (a SIGTERM before that is the default action: death).
    await Promise.all(survivors.map((w) => w.ready(60000)));
    for (const w of survivors) w.signal('SIGTERM');
    const exits = await Promise.all(survivors.map((w) => w.waitForExit(60000)));

    const { started: runs, done } = await fixtureRecords(t);
    const doubleRuns = done.length - new Set(done).size;
    const interrupted = runs.length - done.length;
    const retried = new Set(runs.filter((r) => r.attempt > 1).map((r) => r.id)).size;
    const failed = await t.failed.all();
    const notify = await t.redis.llen(`${prefix}queues:{default}:notify`);
    process.stdout.write(
      `chaos: ${JOBS} jobs, ${WORKERS} workers, ${kills} SIGKILLs (${killedWhileBusy} of workers taking jobs) in ${(chaosMs / 1000).toFixed(1)} s, ` +
        `${all.length} worker processes in all; ${runs.length} runs begun, ${interrupted} cut short by a kill, ${retried} jobs run again; ` +
        `${done.length} completions, ${doubleRuns} double runs (completed twice); ${failed.length} failed; ` +
        `${notify} wake-up tokens left; total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );

    expect(new Set(done)).toEqual(new Set(ids));
    expect(await heldJobs(t)).toEqual({ ready: 0, delayed: 0, reserved: 0 });
    expect(failed).toEqual([]);
    expect(kills).toBeGreaterThan(0);
    expect(interrupted).toBeGreaterThan(0); // the kills did catch jobs in hand
    expect(exits).toEqual(survivors.map(() => ({ code: 0, signal: null })));
  }, 240000);
});
