import { context, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { BatchRepository, Job, JobContext, job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { parentOf, registerOtel, TestOtel } from './support/otel-sdk';

@Job({ name: 'otel-step' })
class Step {
  async handle(data: { name: string }, ctx: JobContext): Promise<void> {
    void data;
    void ctx;
  }
}

@Job({ name: 'otel-batch-done' })
class BatchDone {
  async handle(): Promise<void> {}
}

const attr = (s: ReadableSpan, name: string) => s.attributes[name];

describe('telemetry: chains and batches', () => {
  let otel: TestOtel;
  let t: QueueTestApp;
  beforeAll(() => {
    otel = registerOtel({ metrics: false });
  });
  afterAll(() => otel.shutdown());
  beforeEach(async () => {
    otel.reset();
    t = await createQueueApp([Step, BatchDone]);
  });
  afterEach(() => t.close());

  const work = () => t.worker.run({ stopWhenEmpty: true, sleep: 0 });
  const ofJob = (id: string | null) => otel.spans().filter((s) => attr(s, 'messaging.message.id') === id);
  const named = (prefix: string) => otel.spans().filter((s) => s.name.startsWith(prefix) && attr(s, 'messaging.nestjs_queue.connection') !== undefined);

  it("each link of a chain is sent from the span of the link before it, so the chain is one trace", async () => {
    const first = await trace.getTracer('app').startActiveSpan('POST /orders', async (span) => {
      try {
        return await t.bus.chain([job(Step, { name: 'pay' }), job(Step, { name: 'ship' }), job(Step, { name: 'mail' })]).dispatch();
      } finally {
        span.end();
      }
    });
    await work();
    const http = otel.spans().find((s) => s.name === 'POST /orders') as ReadableSpan;
    const processes = named('process ').filter((s) => attr(s, 'messaging.nestjs_queue.job.name') === 'otel-step');
    expect(processes).toHaveLength(3);
    const sends = named('send ');
    expect(sends).toHaveLength(3);

    // Link 1: sent under the HTTP span, processed under its send span.
    const send1 = ofJob(first).find((s) => s.kind === SpanKind.PRODUCER) as ReadableSpan;
    expect(parentOf(send1)).toBe(http.spanContext().spanId);
    expect(attr(send1, 'messaging.nestjs_queue.chain.length')).toBe(3);
    let previous = ofJob(first).find((s) => s.kind === SpanKind.CONSUMER) as ReadableSpan;
    expect(parentOf(previous)).toBe(send1.spanContext().spanId);
    // Links 2 and 3: each sent from the process span of the link before it.
    for (let i = 1; i < 3; i++) {
      const send = sends.find((s) => parentOf(s) === previous.spanContext().spanId) as ReadableSpan;
      expect(send).toBeDefined();
      const processed = processes.find((s) => parentOf(s) === send.spanContext().spanId) as ReadableSpan;
      expect(processed).toBeDefined();
      expect(attr(processed, 'messaging.message.id')).toBe(attr(send, 'messaging.message.id'));
      previous = processed;
    }
    for (const s of [...sends, ...processes]) expect(s.spanContext().traceId).toBe(http.spanContext().traceId);
    expect(processes.map((s) => attr(s, 'messaging.nestjs_queue.job.outcome'))).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it("a batch's jobs are sent in one span, and its callbacks link to that span from the job that finished the batch", async () => {
    const batch = await trace.getTracer('app').startActiveSpan('POST /imports', async (span) => {
      try {
        return await t.bus
          .batch([job(Step, { name: 'a' }), job(Step, { name: 'b' }), job(Step, { name: 'c' })])
          .then(job(BatchDone, {}))
          .finally(job(BatchDone, {}))
          .dispatch();
      } finally {
        span.end();
      }
    });
    await work();
    const http = otel.spans().find((s) => s.name === 'POST /imports') as ReadableSpan;
    const batchSend = named('send ').find((s) => attr(s, 'messaging.batch.message_count') === 3) as ReadableSpan;
    expect(batchSend).toBeDefined();
    expect(batchSend.name).toBe('send default');
    expect(attr(batchSend, 'messaging.nestjs_queue.batch.id')).toBe(batch.id);
    expect(parentOf(batchSend)).toBe(http.spanContext().spanId);

    const members = named('process ').filter((s) => attr(s, 'messaging.nestjs_queue.job.name') === 'otel-step');
    expect(members).toHaveLength(3);
    for (const m of members) {
      expect(parentOf(m)).toBe(batchSend.spanContext().spanId);
      expect(attr(m, 'messaging.nestjs_queue.batch.id')).toBe(batch.id);
    }

    const callbackSends = named('send ').filter((s) => attr(s, 'messaging.nestjs_queue.batch.callback') === true);
    expect(callbackSends).toHaveLength(2); // then and finally
    const memberIds = members.map((m) => m.spanContext().spanId);
    for (const send of callbackSends) {
      // Sent from the span of the batch job that finished the batch...
      expect(memberIds).toContain(parentOf(send));
      // ...and linked to the batch's dispatch, the parent of every job of the batch.
      expect(send.links.map((l) => l.context.spanId)).toEqual([batchSend.spanContext().spanId]);
      expect(send.links[0].attributes?.['messaging.nestjs_queue.link']).toBe('batch');
      const processed = named('process ').find((s) => parentOf(s) === send.spanContext().spanId) as ReadableSpan;
      expect(attr(processed, 'messaging.nestjs_queue.job.name')).toBe('otel-batch-done');
      expect(attr(processed, 'messaging.nestjs_queue.batch.callback')).toBe(true);
    }
    const traceIds = new Set([batchSend, ...members, ...callbackSends].map((s) => s.spanContext().traceId));
    expect([...traceIds]).toEqual([http.spanContext().traceId]);
  });

  it("a callback's process span links to the spans that ended the batch's jobs; one too large with them goes without", async () => {
    const linked = async (jobs: number) => {
      otel.reset();
      await t.bus.batch(Array.from({ length: jobs }, (_, k) => job(Step, { name: `s${k}` }))).finally(job(BatchDone, {})).dispatch();
      await work();
      const members = named('process ').filter((s) => attr(s, 'messaging.nestjs_queue.job.name') === 'otel-step');
      const callback = named('process ').find((s) => attr(s, 'messaging.nestjs_queue.job.name') === 'otel-batch-done') as ReadableSpan;
      expect(members).toHaveLength(jobs);
      return { members, callback };
    };
    const small = await linked(3);
    expect(small.callback.links.map((l) => l.context.spanId).sort()).toEqual(small.members.map((m) => m.spanContext().spanId).sort());
    expect(small.callback.links.map((l) => l.attributes?.['messaging.nestjs_queue.link'])).toEqual(['batch_job', 'batch_job', 'batch_job']);

    // 30 links (55 bytes each in the payload) would put the callback over a 1,500-byte limit: it is sent without them.
    await t.close();
    t = await createQueueApp([Step, BatchDone], { maxPayloadBytes: 1500 });
    const large = await linked(30);
    expect(large.callback).toBeDefined();
    expect(large.callback.links).toEqual([]);
  });

  it('keeps no span the sampler dropped: a batch sent in an unsampled trace stores none', async () => {
    const unsampled = trace.setSpanContext(context.active(), {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true,
    });
    const batch = await context.with(unsampled, () =>
      t.bus.batch([job(Step, { name: 'a' }), job(Step, { name: 'b' })]).finally(job(BatchDone, {})).dispatch(),
    );
    await work();
    const stored = await t.app.get(BatchRepository).find(batch.id);
    expect(stored).toMatchObject({ pendingJobs: 0, finishedAt: expect.any(Date) });
    expect(stored).not.toHaveProperty('jobSpans');
    // Nothing of it was recorded (the parent-based sampler follows the unsampled parent).
    expect(otel.spans()).toEqual([]);
  });
});
