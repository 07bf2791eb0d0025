import { performance } from 'node:perf_hooks';
import { Job, JobContext, JobProcessing, Worker, WorkerStopping } from '../../lib';
import { pausedKey, restartKey } from '../../lib/worker/control-keys';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { sleep, testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { createFixtureApp, fixtureRecords } from './support/fixture-app';
import { startWorker } from './support/worker-process';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

const handled: { n: number; queue: string }[] = [];

@Job({ name: 'control-step' })
class Step {
  async handle(data: { n: number; ms?: number }, job: JobContext): Promise<void> {
    if (data.ms) await sleep(data.ms);
    handled.push({ n: data.n, queue: job.queue });
  }
}

describe('worker control: restart, pause/continue, memory, rest', () => {
  let t: QueueTestApp;
  const stopping: { status: number; reason: string }[] = [];
  beforeEach(async () => {
    handled.length = 0;
    stopping.length = 0;
    t = await createQueueApp([Step]);
    t.events.on(WorkerStopping, (e) => void stopping.push({ status: e.status, reason: e.reason }));
  });
  afterEach(() => t.close());

  const requestRestart = () => t.redis.set(restartKey(t.prefix), String(Date.now()));

  it('restart: a restart requested while a job runs stops the worker after that job', async () => {
    await t.bus.dispatch(Step, { n: 1, ms: 1200 });
    await t.bus.dispatch(Step, { n: 2 });
    const run = t.worker.run({ sleep: 0.1 });
    await sleep(200);
    await requestRestart();

    expect(await run).toBe('restart');
    expect(handled.map((h) => h.n)).toEqual([1]);
    expect(await t.manager.connection().sizes('{default}')).toEqual({ ready: 1, delayed: 0, reserved: 0 });
    expect(stopping).toEqual([{ status: 0, reason: 'restart' }]);
  });

  it('restart: an idle worker stops too; a worker started after the request is not affected by it', async () => {
    const idle = t.worker.run({ sleep: 0.1 });
    await sleep(100);
    await requestRestart();
    expect(await idle).toBe('restart');

    await t.bus.dispatch(Step, { n: 1 });
    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0 })).toBe('empty');
    expect(handled.map((h) => h.n)).toEqual([1]);
  });

  it('pause / continue: a paused queue is skipped while the others are served; continue resumes it', async () => {
    const paused = pausedKey(t.prefix, 'redis', '{default}');
    await t.redis.set(paused, '1');
    await t.bus.dispatch(Step, { n: 1 });
    await t.bus.dispatch(Step, { n: 2 }).onQueue('other');
    const run = t.worker.run({ queue: '{default},other', sleep: 0.1 });
    try {
      await waitUntil(() => handled.length === 1, 'the job on the queue that is not paused');
      await sleep(1500); // more than the control interval: the paused queue was looked at again and still skipped
      expect(handled).toEqual([{ n: 2, queue: 'other' }]);
      expect(await t.manager.connection().size('{default}')).toBe(1);

      await t.redis.del(paused);
      await waitUntil(() => handled.length === 2, 'the job on the continued queue');
      expect(handled[1]).toEqual({ n: 1, queue: 'default' });
    } finally {
      t.worker.stop();
      expect(await run).toBe('stopped');
    }
  });

  it('memory: stops after the job that took it over the limit, reason memory, exit code 12', async () => {
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
  it('a worker process over its memory limit exits with code 12', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('memory');
    const t = await createFixtureApp(url, prefix);
    try {
      const first = await t.bus.dispatch(SleepJob, {});
      await t.bus.dispatch(SleepJob, {});
      const w = await startWorker({ redisUrl: url, prefix, worker: { memory: 1, sleep: 0.1 } });
      expect(await w.waitForExit()).toEqual({ code: 12, signal: null });
      expect(w.count(/^WorkerStopping status=12 reason=memory$/)).toBe(1);
      expect((await fixtureRecords(t)).done).toEqual([first]);
    } finally {
      await t.close();
    }
  });
});
