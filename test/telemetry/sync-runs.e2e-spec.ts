import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { parentOf, points, registerOtel, TestOtel } from './support/otel-sdk';

const seen: { traceId?: string; spanId?: string }[] = [];

@Job({ name: 'otel-inline' })
class InlineJob {
  async handle(data: { explode?: boolean }): Promise<void> {
    const active = trace.getActiveSpan()?.spanContext();
    seen.push({ traceId: active?.traceId, spanId: active?.spanId });
    if (data.explode) throw new RangeError('exploded inline');
  }
}

/** Counted in the metrics test alone (the SDK's counters add up over the whole file). */
@Job({ name: 'otel-inline-counted' })
class CountedJob extends InlineJob {}

const attr = (s: ReadableSpan, name: string) => s.attributes[name];

describe('telemetry: jobs run in this process (dispatchSync, the sync connection)', () => {
  let otel: TestOtel;
  let t: QueueTestApp;
  beforeAll(() => {
    otel = registerOtel();
  });
  afterAll(() => otel.shutdown());
  beforeEach(async () => {
    otel.reset();
    seen.length = 0;
    t = await createQueueApp([InlineJob, CountedJob]);
  });
  afterEach(() => t.close());

  const inSpan = <T>(name: string, fn: () => Promise<T>): Promise<T> =>
    trace.getTracer('app').startActiveSpan(name, async (span) => {
      try {
        return await fn();
      } finally {
        span.end();
      }
    });
  const processSpans = () => otel.spans().filter((s) => s.name === 'process default' && attr(s, 'messaging.nestjs_queue.job.name') === 'otel-inline');

  it('dispatchSync runs the job in a process span, a child of the active span, and the handler runs inside it', async () => {
    await inSpan('POST /now', () => t.bus.dispatchSync(InlineJob, {}));
    const http = otel.spans().find((s) => s.name === 'POST /now') as ReadableSpan;
    const [span, ...more] = processSpans();
    expect(more).toEqual([]);
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(span)).toBe(http.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(http.spanContext().traceId);
    expect(span.attributes).toMatchObject({
      'messaging.nestjs_queue.connection': 'sync', 'messaging.nestjs_queue.job.attempt': 1,
      'messaging.nestjs_queue.job.outcome': 'succeeded',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(seen).toEqual([{ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId }]);
  });

  it('a dispatchSync that fails ends its span failed with the exception before the error reaches the caller', async () => {
    await expect(inSpan('POST /now', () => t.bus.dispatchSync(InlineJob, { explode: true }))).rejects.toThrow('exploded inline');
    const [span] = processSpans();
    expect(span.attributes).toMatchObject({ 'messaging.nestjs_queue.job.outcome': 'failed', 'error.type': 'RangeError' });
    expect(span.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([['exception', 'exploded inline']]);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'exploded inline' });
  });

  it('a dispatch to the sync connection is sent in a send span and processed in a child of it', async () => {
    await inSpan('POST /orders', async () => {
      await t.bus.dispatch(InlineJob, {}).onConnection('sync');
    });
    const http = otel.spans().find((s) => s.name === 'POST /orders') as ReadableSpan;
    const send = otel.spans().find((s) => s.name === 'send default' && s.kind === SpanKind.PRODUCER) as ReadableSpan;
    expect(parentOf(send)).toBe(http.spanContext().spanId);
    const [span] = processSpans();
    expect(parentOf(span)).toBe(send.spanContext().spanId);
    expect(attr(span, 'messaging.message.id')).toBe(attr(send, 'messaging.message.id'));
    expect(attr(span, 'messaging.nestjs_queue.connection')).toBe('sync');
    expect(new Set([http, send, span].map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('counts inline runs in the processed and failed metrics, and times no queue wait for them (they never waited in one)', async () => {
    await t.bus.dispatchSync(CountedJob, {});
    await t.bus.dispatch(CountedJob, {}).onConnection('sync');
    await expect(t.bus.dispatchSync(CountedJob, { explode: true })).rejects.toThrow('exploded inline');
    const all = await otel.collect();
    const processed = points(all, 'nestjs_queue.jobs.processed').filter((p) => p.attributes['messaging.nestjs_queue.job.name'] === 'otel-inline-counted');
    const byOutcome = Object.fromEntries(processed.map((p) => [p.attributes['messaging.nestjs_queue.job.outcome'], p.value]));
    expect(byOutcome).toEqual({ succeeded: 2, failed: 1 });
    const failed = points(all, 'nestjs_queue.jobs.failed').filter((p) => p.attributes['messaging.nestjs_queue.job.name'] === 'otel-inline-counted');
    expect(failed.map((p) => [p.attributes['error.type'], p.value])).toEqual([['RangeError', 1]]);
    const waits = points(all, 'nestjs_queue.job.wait_time').filter((p) => p.attributes['messaging.nestjs_queue.job.name'] === 'otel-inline-counted');
    expect(waits).toEqual([]);
  });
});
