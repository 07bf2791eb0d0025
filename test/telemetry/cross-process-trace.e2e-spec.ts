import { writeFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { testRedisUrl } from '../support/test-redis';
import { registerOtel, TestOtel } from './support/otel-sdk';
import { TracedJob } from './support/traced-jobs';
import { SerializedSpan, TracedWorker, tracedConnections } from './support/traced-worker';

/** The parent's spans in the shape the worker ships its own, for one picture of the whole trace. */
function serialize(s: ReadableSpan): SerializedSpan {
  return {
    name: s.name, kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId, attributes: s.attributes as SerializedSpan['attributes'], status: s.status.code,
    events: s.events.map((e) => e.name), links: s.links.map((l) => l.context.spanId),
    linked: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, kind: l.attributes?.['messaging.nestjs_queue.link'] as string | undefined })),
    startMs: hrTimeToMilliseconds(s.startTime), endMs: hrTimeToMilliseconds(s.endTime), pid: process.pid,
  };
}

describe('telemetry across processes', () => {
  let otel: TestOtel;
  let t: QueueTestApp;
  let worker: TracedWorker | null = null;
  beforeAll(() => {
    otel = registerOtel({ metrics: false });
  });
  afterAll(() => otel.shutdown());
  beforeEach(async () => {
    otel.reset();
    t = await createQueueApp([TracedJob], { default: 'redis', connections: tracedConnections });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await t.close();
  });

  /** Dispatches the job inside an HTTP-like server span, as a controller would. */
  const dispatchFromRequest = (data: { failTimes?: number }) =>
    trace.getTracer('app').startActiveSpan('POST /orders', { kind: SpanKind.SERVER }, async (span) => {
      try {
        return (await t.bus.dispatch(TracedJob, data)) as string;
      } finally {
        span.end();
      }
    });

  it('one trace runs from the request through the dispatch to the handler in a forked worker', async () => {
    worker = new TracedWorker(testRedisUrl(), t.prefix);
    await worker.ready();
    const id = await dispatchFromRequest({});
    const w = worker;
    await w.until(() => w.spans.some((s) => s.name === 'process default' && s.attributes['messaging.message.id'] === id), 'the process span');
    await w.until(() => w.spans.some((s) => s.name === 'charge card'), "the handler's own span");

    const http = otel.spans().find((s) => s.name === 'POST /orders') as ReadableSpan;
    const send = otel.spans().find((s) => s.name === 'send default') as ReadableSpan;
    const processed = w.spans.find((s) => s.name === 'process default') as SerializedSpan;
    const work = w.spans.find((s) => s.name === 'charge card') as SerializedSpan;
    expect(processed.pid).not.toBe(process.pid);

    const traceId = http.spanContext().traceId;
    expect(send.spanContext().traceId).toBe(traceId);
    expect(send.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'nestjs-queue', 'messaging.destination.name': 'default', 'messaging.operation.type': 'send',
      'messaging.message.id': id, 'messaging.nestjs_queue.job.name': 'otel-traced', 'messaging.nestjs_queue.connection': 'redis',
    });
    expect(processed.traceId).toBe(traceId);
    expect(processed.parentSpanId).toBe(send.spanContext().spanId);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(processed.attributes).toMatchObject({
      'messaging.system': 'nestjs-queue', 'messaging.destination.name': 'default', 'messaging.operation.type': 'process',
      'messaging.message.id': id, 'messaging.nestjs_queue.job.name': 'otel-traced', 'messaging.nestjs_queue.connection': 'redis',
      'messaging.nestjs_queue.job.attempt': 1, 'messaging.nestjs_queue.job.outcome': 'succeeded',
    });
    // The handler runs inside the process span: its own spans are children of it.
    expect(w.sightings).toEqual([{ id, attempt: 1, api: true, traceId, spanId: processed.spanId }]);
    expect(work.traceId).toBe(traceId);
    expect(work.parentSpanId).toBe(processed.spanId);

  });

  it("a retried job's attempts are all in the trace that dispatched it, each a child of the send span", async () => {
    worker = new TracedWorker(testRedisUrl(), t.prefix);
    await worker.ready();
    const id = await dispatchFromRequest({ failTimes: 2 });
    const w = worker;
    const attempts = () => w.spans.filter((s) => s.name === 'process default' && s.attributes['messaging.message.id'] === id);
    await w.until(() => attempts().length === 3 && w.spans.filter((s) => s.name === 'charge card').length === 3, 'three attempts');

    const http = otel.spans().find((s) => s.name === 'POST /orders') as ReadableSpan;
    const send = otel.spans().find((s) => s.name === 'send default') as ReadableSpan;
    const runs = attempts().sort((a, b) => Number(a.attributes['messaging.nestjs_queue.job.attempt']) - Number(b.attributes['messaging.nestjs_queue.job.attempt']));
    expect(runs.map((s) => s.attributes['messaging.nestjs_queue.job.attempt'])).toEqual([1, 2, 3]);
    expect(runs.map((s) => s.attributes['messaging.nestjs_queue.job.outcome'])).toEqual(['released', 'released', 'succeeded']);
    expect(runs.map((s) => s.attributes['messaging.nestjs_queue.job.release_delay'])).toEqual([0, 0, undefined]);
    for (const run of runs) {
      expect(run.traceId).toBe(http.spanContext().traceId);
      expect(run.parentSpanId).toBe(send.spanContext().spanId);
    }
    // The failed attempts record their exception and an error status; the last one does not.
    expect(runs.map((s) => s.events)).toEqual([['exception'], ['exception'], []]);
    expect(runs.map((s) => s.status)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(runs[0].attributes['error.type']).toBe('Error');
    expect(new Set(w.sightings.map((s) => s.traceId))).toEqual(new Set([http.spanContext().traceId]));

    // TRACE_PICTURE_OUT=<file>: the trace's spans as JSON, for scripts/render-trace.js (the README's picture).
    const out = process.env.TRACE_PICTURE_OUT;
    if (out) writeFileSync(out, JSON.stringify([...otel.spans().map(serialize), ...w.spans], null, 2));
  });

  it('a worker without @opentelemetry/api installed runs a job that carries a trace context', async () => {
    worker = new TracedWorker(testRedisUrl(), t.prefix, { OTEL_BLOCK_API: '1' });
    await worker.ready();
    const id = await dispatchFromRequest({ failTimes: 1 });
    const w = worker;
    await w.until(() => w.sightings.length === 2, 'both attempts');
    expect(w.sightings).toEqual([
      { id, attempt: 1, api: false },
      { id, attempt: 2, api: false },
    ]);
    expect(w.spans).toEqual([]);
    // What it took carried the trace context (the dispatching process traces).
    expect(otel.spans().find((s) => s.name === 'send default')?.attributes['messaging.message.id']).toBe(id);
  });
});
