import { Job, JobContext, OnFailed, JobFailed, JobExceptionOccurred, JobReleasedAfterException, MaxAttemptsExceededError } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

const log: { job: string; attempts: number; at: number }[] = [];
const failures: { job: string; error: string }[] = [];

@Job({ tries: 3, backoff: [1, 2] })
class FlakyJob {
  async handle(_: { n: number }, job: JobContext): Promise<void> {
    log.push({ job: 'flaky', attempts: job.attempts, at: Date.now() });
    throw new Error(`boom on attempt ${job.attempts}`);
  }

  @OnFailed()
  failed(_: { n: number }, error: Error): void {
    failures.push({ job: 'flaky', error: error.message });
  }
}

@Job({ tries: 10, maxExceptions: 2 })
class ThrowsTwice {
  async handle(_: Record<string, never>, job: JobContext): Promise<void> {
    log.push({ job: 'throws', attempts: job.attempts, at: Date.now() });
    if (job.attempts === 2) {
      job.release(0); // a release in between does not count as an exception
      return;
    }
    throw new Error('exception');
  }

  @OnFailed()
  failed(_: unknown, error: Error): void {
    failures.push({ job: 'throws', error: error.constructor.name });
  }
}

@Job({ tries: 1, retryUntil: () => Date.now() + 60_000 })
class RetriesUntil {
  async handle(_: Record<string, never>, job: JobContext): Promise<void> {
    log.push({ job: 'until', attempts: job.attempts, at: Date.now() });
    if (job.attempts < 4) throw new Error('not yet');
  }
}

@Job({ tries: 5, retryUntil: () => Date.now() - 1000 })
class ExpiredRetryUntil {
  async handle(): Promise<void> {
    log.push({ job: 'expired', attempts: 0, at: Date.now() });
  }

  @OnFailed()
  failed(_: unknown, error: Error): void {
    failures.push({ job: 'expired', error: error.constructor.name });
  }
}

@Job({ tries: 3 })
class ControlsItself {
  async handle(data: { action: 'release' | 'fail' | 'delete' }, job: JobContext): Promise<void> {
    log.push({ job: data.action, attempts: job.attempts, at: Date.now() });
    if (data.action === 'release' && job.attempts === 1) job.release(1);
    if (data.action === 'fail') job.fail(new Error('given up'));
    if (data.action === 'delete') job.delete();
  }

  @OnFailed()
  failed(data: { action: string }, error: Error): void {
    failures.push({ job: data.action, error: error.message });
  }
}

describe('attempts, retries and failure', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    log.length = 0;
    failures.length = 0;
    t = await createQueueApp([FlakyJob, ThrowsTwice, RetriesUntil, ExpiredRetryUntil, ControlsItself]);
  });
  afterEach(() => t.close());

  const work = (extra: Parameters<QueueTestApp['worker']['run']>[0] = {}) =>
    t.worker.run({ stopWhenEmpty: true, sleep: 0.05, ...extra });

  it('counts attempts 1, 2, 3 with backoff [1, 2], then fails for good: @OnFailed once, a failed record with the stack, JobFailed once', async () => {
    const failedEvents: JobFailed[] = [];
    const released: number[] = [];
    t.events.on(JobFailed, (e) => void failedEvents.push(e));
    t.events.on(JobReleasedAfterException, (e) => void released.push(e.job.attempts));
    const id = await t.bus.dispatch(FlakyJob, { n: 1 });
    // stopWhenEmpty would stop while the job waits in the delayed set, so bound the run by time instead.
    await t.worker.run({ maxTime: 5, sleep: 0.05 });
    expect(log.map((l) => l.attempts)).toEqual([1, 2, 3]);
    expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
    expect(log[2].at - log[1].at).toBeGreaterThanOrEqual(1950);
    expect(released).toEqual([1, 2]);
    expect(failures).toEqual([{ job: 'flaky', error: 'boom on attempt 3' }]);
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0].job.id).toBe(id);
    const record = await t.failed.find(id as string);
    expect(record).not.toBeNull();
    expect(record?.queue).toBe('default');
    expect(record?.connection).toBe('redis');
    expect(record?.exception).toContain('boom on attempt 3');
    expect(record?.exception).toMatch(/at .*retries-and-failures/);
    expect(JSON.parse(record?.payload as string).uuid).toBe(id);
    expect(await t.manager.connection().size('{default}')).toBe(0);
  }, 15000);

  it('fails once the job has thrown maxExceptions times, with a release in between not counted', async () => {
    await t.bus.dispatch(ThrowsTwice, {});
    await work();
    expect(log.map((l) => l.attempts)).toEqual([1, 2, 3]);
    expect(failures).toEqual([{ job: 'throws', error: 'MaxExceptionsExceededError' }]);
  });

  it('keeps retrying past tries while retryUntil has not passed', async () => {
    await t.bus.dispatch(RetriesUntil, {});
    await work();
    expect(log.map((l) => l.attempts)).toEqual([1, 2, 3, 4]);
    expect(await t.failed.all()).toEqual([]);
  });

  it('fails a job whose retryUntil has passed without calling its handler', async () => {
    const id = await t.bus.dispatch(ExpiredRetryUntil, {});
    await work();
    expect(log).toEqual([]);
    expect(failures).toEqual([{ job: 'expired', error: MaxAttemptsExceededError.name }]);
    expect((await t.failed.find(id as string))?.exception).toContain('MaxAttemptsExceededError');
  });

  it('honours release(n), fail() and delete() called from inside handle', async () => {
    const exceptions: unknown[] = [];
    t.events.on(JobExceptionOccurred, (e) => void exceptions.push(e));
    await t.bus.dispatch(ControlsItself, { action: 'release' });
    const failId = await t.bus.dispatch(ControlsItself, { action: 'fail' });
    await t.bus.dispatch(ControlsItself, { action: 'delete' });
    const started = Date.now();
    await t.worker.run({ maxTime: 2.5, sleep: 0.05 });
    const releases = log.filter((l) => l.job === 'release');
    expect(releases.map((l) => l.attempts)).toEqual([1, 2]);
    expect(releases[1].at - started).toBeGreaterThanOrEqual(950);
    expect(log.filter((l) => l.job === 'fail').map((l) => l.attempts)).toEqual([1]);
    expect(log.filter((l) => l.job === 'delete').map((l) => l.attempts)).toEqual([1]);
    expect(failures).toEqual([{ job: 'fail', error: 'given up' }]);
    expect((await t.failed.ids()).sort()).toEqual([failId]);
    expect(exceptions).toEqual([]);
    expect(await t.manager.connection().size('{default}')).toBe(0);
  });

  it('uses the worker --tries and --backoff for jobs that set none', async () => {
    @Job()
    class PlainFailing {
      async handle(_: Record<string, never>, job: JobContext): Promise<void> {
        log.push({ job: 'plain', attempts: job.attempts, at: Date.now() });
        throw new Error('plain');
      }
    }
    const app = await createQueueApp([PlainFailing]);
    try {
      await app.bus.dispatch(PlainFailing, {});
      await app.worker.run({ tries: 2, backoff: 0, stopWhenEmpty: true, sleep: 0.05 });
      expect(log.filter((l) => l.job === 'plain').map((l) => l.attempts)).toEqual([1, 2]);
      expect(await app.failed.ids()).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
