import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { points, registerOtel, TestOtel } from './support/otel-sdk';

@Job({ name: 'otel-metered' })
class MeteredJob {
  async handle(data: { fail: boolean }): Promise<void> {
    if (data.fail) throw new Error('meant to fail');
  }
}

type Histogram = { count: number; sum: number };

describe('telemetry: metrics', () => {
  let otel: TestOtel;
  let t: QueueTestApp;
  beforeAll(() => {
    otel = registerOtel({ traces: false });
  });
  afterAll(() => otel.shutdown());
  beforeEach(async () => {
    t = await createQueueApp([MeteredJob]);
  });
  afterEach(() => t.close());

  it('after 10 jobs (7 succeed, 3 fail): processed and failed counts, durations, wait times and queue sizes', async () => {
    for (let i = 0; i < 10; i++) await t.bus.dispatch(MeteredJob, { fail: i % 3 === 0 && i > 0 });
    const queue = { 'messaging.destination.name': 'default', 'messaging.nestjs_queue.connection': 'redis' };

    // Before any is run: ten ready on the queue they were sent to.
    const before = points(await otel.collect(), 'nestjs_queue.queue.size');
    expect(before.find((p) => p.attributes['messaging.nestjs_queue.queue.state'] === 'ready')).toMatchObject({ value: 10, attributes: queue });

    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    const all = await otel.collect();
    const job = { ...queue, 'messaging.system': 'nestjs-queue', 'messaging.nestjs_queue.job.name': 'otel-metered' };

    const processed = points(all, 'nestjs_queue.jobs.processed');
    const byOutcome = Object.fromEntries(processed.map((p) => [p.attributes['messaging.nestjs_queue.job.outcome'], p.value]));
    expect(byOutcome).toEqual({ succeeded: 7, failed: 3 });
    for (const p of processed) expect(p.attributes).toMatchObject(job);

    const failed = points(all, 'nestjs_queue.jobs.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ value: 3, attributes: { ...job, 'error.type': 'Error' } });

    const durations = points(all, 'messaging.process.duration');
    const durationCounts = Object.fromEntries(durations.map((p) => [p.attributes['messaging.nestjs_queue.job.outcome'], (p.value as Histogram).count]));
    expect(durationCounts).toEqual({ succeeded: 7, failed: 3 });
    for (const p of durations) expect((p.value as Histogram).sum).toBeGreaterThanOrEqual(0);

    const waits = points(all, 'nestjs_queue.job.wait_time');
    expect(waits).toHaveLength(1);
    expect(waits[0].attributes).toMatchObject(job);
    expect((waits[0].value as Histogram).count).toBe(10);
    expect((waits[0].value as Histogram).sum).toBeGreaterThanOrEqual(0);

    // Read again at this collection: nothing left ready or reserved.
    const after = points(all, 'nestjs_queue.queue.size');
    const states = Object.fromEntries(after.map((p) => [p.attributes['messaging.nestjs_queue.queue.state'], p.value]));
    expect(states).toEqual({ ready: 0, delayed: 0, reserved: 0 });
  });

  it('reports the size of a queue a worker serves before any job of it was seen', async () => {
    await t.worker.run({ queue: '{otel-idle}', stopWhenEmpty: true, sleep: 0 });
    const sizes = points(await otel.collect(), 'nestjs_queue.queue.size').filter((p) => p.attributes['messaging.destination.name'] === 'otel-idle');
    expect(sizes.map((p) => [p.attributes['messaging.nestjs_queue.queue.state'], p.value])).toEqual([['ready', 0], ['delayed', 0], ['reserved', 0]]);
  });

  it('stops reading queue sizes when the app closes', async () => {
    await t.bus.dispatch(MeteredJob, { fail: false });
    const reads = jest.spyOn(t.manager, 'connection');
    await otel.collect();
    expect(reads).toHaveBeenCalledTimes(1);
    await t.app.close();
    await otel.collect();
    expect(reads).toHaveBeenCalledTimes(1);
  });
});
