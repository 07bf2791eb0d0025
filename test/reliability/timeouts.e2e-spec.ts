import { Job, JobContext, JobFailed, JobTimedOut, JobTimeoutError, OnFailed } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createFixtureApp, fixtureRecords, heldJobs } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { StubbornJob } from '../fixtures/worker-process/fixture-jobs';

const runs: { job: string; attempt: number; outcome: string }[] = [];
const failures: string[] = [];

/** Waits for its signal and rejects with its reason: a handler that honours its timeout. */
function untilAborted(job: JobContext): Promise<never> {
  return new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason), { once: true }));
}

async function cooperate(name: string, job: JobContext): Promise<void> {
  if (job.attempts === 1) {
    try {
      await untilAborted(job);
    } catch (reason) {
      runs.push({ job: name, attempt: job.attempts, outcome: reason instanceof JobTimeoutError ? 'aborted: JobTimeoutError' : `aborted: ${String(reason)}` });
      throw reason;
    }
  }
  runs.push({ job: name, attempt: job.attempts, outcome: 'completed' });
}

@Job({ name: 'coop-retry', timeout: 1, tries: 2 })
class TimesOutThenSucceeds {
  handle(_data: Record<string, never>, job: JobContext): Promise<void> {
    return cooperate('coop-retry', job);
  }
}

@Job({ name: 'coop-last-try', timeout: 1 })
class TimesOutOnLastTry {
  handle(_data: Record<string, never>, job: JobContext): Promise<void> {
    return cooperate('coop-last-try', job);
  }

  @OnFailed()
  failed(_data: unknown, error: Error): void {
    failures.push(`coop-last-try: ${error.constructor.name}`);
  }
}

@Job({ name: 'coop-fail-on-timeout', timeout: 1, tries: 5, failOnTimeout: true })
class FailsOnTimeout {
  handle(_data: Record<string, never>, job: JobContext): Promise<void> {
    return cooperate('coop-fail-on-timeout', job);
  }
}

describe('timeouts', () => {
  describe('a handler that honours job.signal (in process)', () => {
    let t: QueueTestApp;
    const timedOut: string[] = [];
    const failed: string[] = [];
    beforeEach(async () => {
      runs.length = 0;
      failures.length = 0;
      timedOut.length = 0;
      failed.length = 0;
      t = await createQueueApp([TimesOutThenSucceeds, TimesOutOnLastTry, FailsOnTimeout]);
      t.events.on(JobTimedOut, (e) => void timedOut.push(e.job.name));
      t.events.on(JobFailed, (e) => void failed.push(e.job.name));
    });
    afterEach(() => t.close());

    it('is aborted with a JobTimeoutError and released while it has tries left; the next attempt completes', async () => {
      const id = await t.bus.dispatch(TimesOutThenSucceeds, {});
      expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0 })).toBe('empty');
      expect(runs).toEqual([
        { job: 'coop-retry', attempt: 1, outcome: 'aborted: JobTimeoutError' },
        { job: 'coop-retry', attempt: 2, outcome: 'completed' },
      ]);
      expect(timedOut).toEqual(['coop-retry']);
      expect(failed).toEqual([]);
      expect(await t.failed.find(id as string)).toBeNull();
      expect(await t.manager.connection().size('{default}')).toBe(0);
    });

    it('fails for good when the timeout used its last try: @OnFailed, a failed record naming the timeout', async () => {
      const id = await t.bus.dispatch(TimesOutOnLastTry, {});
      expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0 })).toBe('empty');
      expect(runs).toEqual([{ job: 'coop-last-try', attempt: 1, outcome: 'aborted: JobTimeoutError' }]);
      expect(timedOut).toEqual(['coop-last-try']);
      expect(failed).toEqual(['coop-last-try']);
      expect(failures).toEqual(['coop-last-try: JobTimeoutError']);
      const record = await t.failed.find(id as string);
      expect(record?.exception).toContain('coop-last-try has timed out after 1 seconds');
      expect(await t.manager.connection().size('{default}')).toBe(0);
    });

    it('fails at the first timeout with failOnTimeout, tries left or not', async () => {
      const id = await t.bus.dispatch(FailsOnTimeout, {});
      expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0 })).toBe('empty');
      expect(runs).toEqual([{ job: 'coop-fail-on-timeout', attempt: 1, outcome: 'aborted: JobTimeoutError' }]);
      expect(failed).toEqual(['coop-fail-on-timeout']);
      expect((await t.failed.find(id as string))?.exception).toContain('has timed out after 1 seconds');
    });
  });

  describe('a handler that ignores job.signal (real worker processes)', () => {
    const url = testRedisUrl();
    let t: QueueTestApp;
    let prefix: string;
    const workers: WorkerProcess[] = [];
    beforeEach(async () => {
      prefix = uniquePrefix('stubborn');
      t = await createFixtureApp(url, prefix, 2);
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.kill()));
      await t.close();
    });

    it('makes its worker exit non-zero after the grace; the job is retried by another worker process', async () => {
      const options = { redisUrl: url, prefix, retryAfter: 2, worker: { sleep: 0.1, timeout: 1, timeoutGrace: 0.5 } };
      const id = await t.bus.dispatch(StubbornJob, { ms: 60000 });
      const a = await startWorker(options);
      workers.push(a);
      await waitUntil(async () => (await fixtureRecords(t)).started.length === 1, 'worker A to start the job');
      const b = await startWorker(options);
      workers.push(b);

      const exit = await a.waitForExit(15000);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(a.output).toContain('ignored its timeout and is still running');
      expect(a.count(/^WorkerStopping status=1 reason=timeout$/)).toBe(1);

      await waitUntil(async () => (await fixtureRecords(t)).done.length === 1, 'worker B to complete the job', 15000);
      const { started, done } = await fixtureRecords(t);
      expect(done).toEqual([id]);
      expect(started).toEqual([
        { id, pid: a.pid, attempt: 1 },
        { id, pid: b.pid, attempt: 2 },
      ]);
      await waitUntil(async () => (await heldJobs(t)).reserved === 0, 'the reservation to be removed');
      expect(await heldJobs(t)).toEqual({ ready: 0, delayed: 0, reserved: 0 });
      expect(b.running).toBe(true);
    });
  });
});
