import { trace } from '@opentelemetry/api';
import { BatchRepository, Job, job, JobQueued } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { points, registerOtel } from './support/otel-sdk';

const seen: { activeSpan: boolean }[] = [];

@Job({ name: 'otel-plain' })
class PlainJob {
  async handle(): Promise<void> {
    seen.push({ activeSpan: trace.getActiveSpan() !== undefined });
  }
}

describe('telemetry without an OpenTelemetry SDK', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    seen.length = 0;
    t = await createQueueApp([PlainJob]);
  });
  afterEach(() => t.close());

  const waiting = async () => (await t.redis.lrange(`${t.prefix}queues:{default}`, 0, -1)).map((raw) => JSON.parse(raw) as Record<string, unknown>);

  it('records no spans and writes no trace field, for dispatch, dispatchMany, chains and batches', async () => {
    await trace.getTracer('app').startActiveSpan('POST /orders', async (span) => {
      await t.bus.dispatch(PlainJob, {});
      await t.bus.dispatchMany([job(PlainJob, {}), job(PlainJob, {})]);
      await t.bus.chain([job(PlainJob, {}), job(PlainJob, {})]).dispatch();
      await t.bus.batch([job(PlainJob, {})]).then(job(PlainJob, {})).dispatch();
      span.end();
    });
    const payloads = await waiting();
    expect(payloads).toHaveLength(5);
    for (const p of payloads) expect(Object.keys(p)).not.toContain('trace');
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    // Five jobs, the chain's second link and the batch's then callback: none ran inside a span.
    expect(seen).toEqual(Array.from({ length: 7 }, () => ({ activeSpan: false })));
  });

  it("keeps no span with a batch's jobs and sends its callbacks without trace fields", async () => {
    const queued: Record<string, unknown>[] = [];
    t.events.on(JobQueued, (e) => {
      queued.push(JSON.parse(e.payload) as Record<string, unknown>);
    });
    const batch = await t.bus.batch([job(PlainJob, {}), job(PlainJob, {})]).then(job(PlainJob, {})).finally(job(PlainJob, {})).dispatch();
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(seen).toHaveLength(4);
    // The two jobs, then the then and finally callbacks the worker sent: none carries a trace field.
    expect(queued.map((p) => p.batchCallback ?? false)).toEqual([false, false, true, true]);
    for (const p of queued) {
      expect(p).not.toHaveProperty('trace');
      expect(p).not.toHaveProperty('traceLinks');
    }
    const stored = await t.app.get(BatchRepository).find(batch.id);
    expect(stored).toMatchObject({ pendingJobs: 0, finishedAt: expect.any(Date) });
    expect(stored).not.toHaveProperty('jobSpans');
    expect(await t.redis.hexists(`${t.prefix}{batches}:batch:${batch.id}`, 'jobSpans')).toBe(0);
  });

  it('picks up an SDK registered after the module started: the payload then carries the trace context', async () => {
    await t.bus.dispatch(PlainJob, {});
    const otel = registerOtel({ metrics: false });
    try {
      await t.bus.dispatch(PlainJob, {});
      const [before, after] = await waiting();
      expect(before.trace).toBeUndefined();
      const send = otel.spans().find((s) => s.name === 'send default');
      expect(after.trace).toBe(`00-${send?.spanContext().traceId}-${send?.spanContext().spanId}-01`);
      await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
      expect(seen).toEqual([{ activeSpan: true }, { activeSpan: true }]);
      expect(otel.spans().filter((s) => s.name === 'process default')).toHaveLength(2);
    } finally {
      await otel.shutdown();
    }
  });

  it('picks up a metrics SDK registered after the module started, beside a tracer that was there first', async () => {
    const traces = registerOtel({ metrics: false });
    let metered: ReturnType<typeof registerOtel> | null = null;
    try {
      await t.bus.dispatch(PlainJob, {});
      await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
      metered = registerOtel({ traces: false });
      await t.bus.dispatchMany([job(PlainJob, {}), job(PlainJob, {})]);
      await t.bus.dispatchSync(PlainJob, {});
      await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
      const processed = points(await metered.collect(), 'nestjs_queue.jobs.processed');
      // The job run before the meter was registered is not counted; the three after it are.
      const byConnection = Object.fromEntries(processed.map((p) => [p.attributes['messaging.nestjs_queue.connection'], p.value]));
      expect(byConnection).toEqual({ redis: 2, sync: 1 });
    } finally {
      await metered?.shutdown();
      await traces.shutdown();
    }
  });
});
