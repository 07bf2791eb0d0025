import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Job, JobContext } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { registerOtel, TestOtel } from './support/otel-sdk';

interface Plan {
  release?: number;
  fail?: boolean;
  throws?: boolean;
  hang?: boolean;
  remove?: boolean;
}

@Job({ name: 'otel-outcome', tries: 2, backoff: 7, timeout: 1 })
class OutcomeJob {
  async handle(plan: Plan, job: JobContext<Plan>): Promise<void> {
    if (plan.release !== undefined && job.attempts === 1) return job.release(plan.release);
    if (plan.fail) return job.fail('given up');
    if (plan.remove) return job.delete();
    if (plan.throws) throw new TypeError('thrown on purpose');
    if (plan.hang && job.attempts === 1) {
      await new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason), { once: true }));
    }
  }
}

describe('telemetry: how an attempt ended', () => {
  let otel: TestOtel;
  let t: QueueTestApp;
  beforeAll(() => {
    otel = registerOtel({ metrics: false });
  });
  afterAll(() => otel.shutdown());
  beforeEach(async () => {
    otel.reset();
    t = await createQueueApp([OutcomeJob]);
  });
  afterEach(() => t.close());

  /** Runs the job's first attempt and returns its process span. */
  const firstAttempt = async (plan: Plan): Promise<ReadableSpan> => {
    const id = await t.bus.dispatch(OutcomeJob, plan);
    await t.worker.run({ once: true, sleep: 0 });
    const span = otel.spans().find((s) => s.name === 'process default' && s.attributes['messaging.message.id'] === id);
    if (!span) throw new Error(`no process span for ${id}`);
    return span;
  };

  it('released by the handler: released, with the delay it asked for', async () => {
    const span = await firstAttempt({ release: 30 });
    expect(span.attributes).toMatchObject({ 'messaging.nestjs_queue.job.outcome': 'released', 'messaging.nestjs_queue.job.release_delay': 30 });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('threw with tries left: released after its backoff, the exception recorded, an error status', async () => {
    const span = await firstAttempt({ throws: true });
    expect(span.attributes).toMatchObject({
      'messaging.nestjs_queue.job.outcome': 'released', 'messaging.nestjs_queue.job.release_delay': 7,
      'messaging.nestjs_queue.job.attempt': 1, 'messaging.nestjs_queue.job.max_tries': 2, 'error.type': 'TypeError',
    });
    expect(span.events.map((e) => [e.name, e.attributes?.['exception.type'], e.attributes?.['exception.message']])).toEqual([
      ['exception', 'TypeError', 'thrown on purpose'],
    ]);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'thrown on purpose' });
  });

  it('failed by the handler: failed, with its error recorded', async () => {
    const span = await firstAttempt({ fail: true });
    expect(span.attributes).toMatchObject({ 'messaging.nestjs_queue.job.outcome': 'failed', 'error.type': 'ManuallyFailedError' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('timed out with tries left: timed out, released after its backoff', async () => {
    const span = await firstAttempt({ hang: true });
    expect(span.attributes).toMatchObject({
      'messaging.nestjs_queue.job.outcome': 'timed_out', 'messaging.nestjs_queue.job.release_delay': 7, 'error.type': 'JobTimeoutError',
    });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('deleted by the handler: deleted; succeeded otherwise', async () => {
    expect((await firstAttempt({ remove: true })).attributes['messaging.nestjs_queue.job.outcome']).toBe('deleted');
    const ok = await firstAttempt({});
    expect(ok.attributes['messaging.nestjs_queue.job.outcome']).toBe('succeeded');
    expect(ok.status.code).toBe(SpanStatusCode.UNSET);
    expect(ok.events).toEqual([]);
  });
});
