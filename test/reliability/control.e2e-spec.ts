import { performance } from 'node:perf_hooks';
import { Job, JobContext, JobProcessing, Looping, QueueEvent, QueueEventClass, Worker, WorkerStopping } from '../../lib';
import { pausedKey, restartKey } from '../../lib/worker/control-keys';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { sleep, testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { createFixtureApp, fixtureRecords } from './support/fixture-app';
import { startWorker } from './support/worker-process';
import { RetainJob } from '../fixtures/worker-process/fixture-jobs';
import { deferred } from '../middleware/fake-job';
import { CommandWatch, readOf, scriptOn } from './support/command-watch';

const handled: { n: number; queue: string }[] = [];
/** Steps with `hold` stay in hand until the test opens this gate. */
let gate = deferred();

@Job({ name: 'control-step' })
class Step {
  async handle(data: { n: number; hold?: boolean }, job: JobContext): Promise<void> {
    if (data.hold) await gate.promise;
    handled.push({ n: data.n, queue: job.queue });
  }
}

/** The worker reads the restart stamp and the paused queues at most once per this many ms (worker-loop.ts). */
const CONTROL_INTERVAL_MS = 1000;

describe('worker control: restart, pause/continue, memory, rest', () => {
  let t: QueueTestApp;
  const stopping: { status: number; reason: string }[] = [];
  beforeEach(async () => {
    handled.length = 0;
    stopping.length = 0;
    gate = deferred();
    t = await createQueueApp([Step]);
    t.events.on(WorkerStopping, (e) => void stopping.push({ status: e.status, reason: e.reason }));
  });
  afterEach(async () => {
    gate.resolve();
    await t.close();
  });

  const requestRestart = () => t.redis.set(restartKey(t.prefix), String(Date.now()));

  it('restart: a restart requested while a job runs stops the worker after that job', async () => {
    await t.bus.dispatch(Step, { n: 1, hold: true });
    await t.bus.dispatch(Step, { n: 2 });
    const processing = nextEvent(t, JobProcessing);
    const run = t.worker.run({ sleep: 0.1 });
    await processing;
    await requestRestart();
    // The worker reads the stamp at most once a second, the last time before it took this job: keep the job in
    // hand longer than that (a lower bound on the worker's own clock, whatever the load), then let it finish.
    await sleep(CONTROL_INTERVAL_MS + 100);
    gate.resolve();

    expect(await run).toBe('restart');
    expect(handled.map((h) => h.n)).toEqual([1]);
    expect(await t.manager.connection().sizes('{default}')).toEqual({ ready: 1, delayed: 0, reserved: 0 });
    expect(stopping).toEqual([{ status: 0, reason: 'restart' }]);
  });

  it('restart: an idle worker stops too; a worker started after the request is not affected by it', async () => {
    // The first Looping comes after the worker read the restart stamp it compares with.
    const looping = nextEvent(t, Looping);
    const idle = t.worker.run({ sleep: 0.1 });
    await looping;
    await requestRestart();
    expect(await idle).toBe('restart');

    await t.bus.dispatch(Step, { n: 1 });
    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0 })).toBe('empty');
    expect(handled.map((h) => h.n)).toEqual([1]);
  });

  it('pause / continue: a paused queue is skipped while the others are served, also after the pause is read again; continue resumes it', async () => {
    const paused = pausedKey(t.prefix, 'redis', '{default}');
    const pausedReady = `${t.prefix}queues:{default}`;
    const otherReady = `${t.prefix}queues:{other}`;
    const watch = await CommandWatch.start(testRedisUrl(), t.prefix);
    await t.redis.set(paused, '1');
    await t.bus.dispatch(Step, { n: 1 });
    await t.bus.dispatch(Step, { n: 2 }).onQueue('other');
    const run = t.worker.run({ queue: '{default},other', sleep: 0.1 });
    try {
      await waitUntil(() => handled.length === 1, 'the job on the queue that is not paused');
      // The worker reads the pause again (at most once a second) and pops only the other queue after it.
      const reread = await watch.waitFor(readOf(paused), 'the worker to read the pause again', watch.mark);
      const pop = await watch.waitFor(scriptOn(otherReady), 'a pop after that read', reread + 1);
      expect(watch.seen[pop].args).not.toContain(pausedReady);
      expect(handled).toEqual([{ n: 2, queue: 'other' }]);
      expect(await t.manager.connection().size('{default}')).toBe(1);

      await t.redis.del(paused);
      await waitUntil(() => handled.length === 2, 'the job on the continued queue');
      expect(handled[1]).toEqual({ n: 1, queue: 'default' });
    } finally {
      watch.stop();
      t.worker.stop();
      expect(await run).toBe('stopped');
    }
  });

  it('memory: a worker already over its limit (1 MB, below any heap) stops after the job in hand, reason memory, exit code 12', async () => {
    for (let n = 1; n <= 3; n++) await t.bus.dispatch(Step, { n });
    const reason = await t.worker.run({ memory: 1, sleep: 0 });
    expect(reason).toBe('memory');
    expect(Worker.exitCode(reason)).toBe(12);
    expect(handled.map((h) => h.n)).toEqual([1]);
    expect(stopping).toEqual([{ status: 12, reason: 'memory' }]);
    expect(await t.manager.connection().size('{default}')).toBe(2);
  });

  it('rest: waits that long after each job before taking the next', async () => {
    const began: number[] = [];
    t.events.on(JobProcessing, () => void began.push(performance.now()));
    for (let n = 1; n <= 3; n++) await t.bus.dispatch(Step, { n });
    expect(await t.worker.run({ rest: 0.3, stopWhenEmpty: true, sleep: 0 })).toBe('empty');
    expect(handled.map((h) => h.n)).toEqual([1, 2, 3]);
    const gaps = began.slice(1).map((at, i) => at - began[i]);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(295);
  });
});

describe('worker control in a real process', () => {
  it('memory: a worker process keeps working below its limit and exits with code 12 after the job that took its heap over it', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('memory');
    const t = await createFixtureApp(url, prefix);
    const limit = 100;
    try {
      const light = await t.bus.dispatch(RetainJob, { mb: 0 });
      const heavy = await t.bus.dispatch(RetainJob, { mb: 160 });
      await t.bus.dispatch(RetainJob, { mb: 0 });
      const w = await startWorker({ redisUrl: url, prefix, worker: { memory: limit, sleep: 0.1 } });
      expect(await w.waitForExit()).toEqual({ code: 12, signal: null });
      expect(w.count(/^WorkerStopping status=12 reason=memory$/)).toBe(1);
      // The heap each run left behind: below the limit after the first (the worker went on), above it after the second.
      const heaps = (await t.redis.lrange(`${prefix}fixture:heap`, 0, -1)).map((line) => line.split('|'));
      process.stdout.write(`memory limit ${limit} MB: heap after the light job ${heaps[0]?.[1]} MB, after the heavy one ${heaps[1]?.[1]} MB\n`);
      expect(heaps.map(([id]) => id)).toEqual([light, heavy]);
      expect(Number(heaps[0][1])).toBeLessThan(limit);
      expect(Number(heaps[1][1])).toBeGreaterThanOrEqual(limit);
      expect((await fixtureRecords(t)).done).toEqual([light, heavy]);
      expect(await t.manager.connection().size('default')).toBe(1);
    } finally {
      await t.close();
    }
  });
});

/** Resolves with the next event of this type. */
function nextEvent<E extends QueueEvent>(t: QueueTestApp, type: QueueEventClass<E>): Promise<E> {
  return new Promise((resolve) => {
    const off = t.events.on(type, (event) => {
      off();
      resolve(event);
    });
  });
}
