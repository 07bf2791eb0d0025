import { Job, JobContext, Middleware, SkipIfBatchCancelled, job, Batch } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

const events: string[] = [];
const progress: number[] = [];
let failuresLeft = 0;

@Job()
class ImportUserChunk {
  async handle(data: { index: number; fail?: boolean; failOnce?: boolean }, ctx: JobContext): Promise<void> {
    if (data.fail || (data.failOnce && failuresLeft-- > 0)) throw new Error(`chunk ${data.index} failed`);
    events.push(`chunk:${data.index}`);
    const batch = await ctx.batch();
    if (batch) progress.push(batch.progress());
  }
}

@Job()
@Middleware(new SkipIfBatchCancelled())
class CancellableChunk {
  async handle(data: { index: number; cancel?: boolean }, ctx: JobContext): Promise<void> {
    events.push(`cancellable:${data.index}`);
    if (data.cancel) await (await ctx.batch())?.cancel();
  }
}

@Job()
class Callback {
  async handle(data: { kind: string }, ctx: JobContext): Promise<void> {
    events.push(`${data.kind}${ctx.cause ? `(${ctx.cause.message})` : ''}:${ctx.batchId ? 'batch' : 'none'}`);
  }
}

describe('batches', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    events.length = 0;
    progress.length = 0;
    t = await createQueueApp([ImportUserChunk, CancellableChunk, Callback]);
  });
  afterEach(() => t.close());

  const work = () => t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 3 });
  const pending = (b: ReturnType<QueueTestApp['bus']['batch']>) =>
    b.then(job(Callback, { kind: 'then' })).catch(job(Callback, { kind: 'catch' })).finally(job(Callback, { kind: 'finally' }));

  it('runs then and finally once when every job succeeds, with progress after each job', async () => {
    const batch = await pending(t.bus.batch([0, 1, 2, 3].map((index) => job(ImportUserChunk, { index })))).name('User Import').dispatch();
    expect(batch).toBeInstanceOf(Batch);
    expect([batch.totalJobs, batch.pendingJobs, batch.progress()]).toEqual([4, 4, 0]);
    await work();
    expect(events.filter((e) => !e.startsWith('chunk'))).toEqual(['then:batch', 'finally:batch']);
    expect(progress).toEqual([0, 25, 50, 75]);
    const done = await t.bus.findBatch(batch.id);
    expect(done?.finished()).toBe(true);
    expect(done?.progress()).toBe(100);
    expect(done?.name).toBe('User Import');
  });

  it('cancels on the first failure without allowFailures: catch once, finally after the rest ran, then never', async () => {
    const batch = await pending(t.bus.batch([job(ImportUserChunk, { index: 0, fail: true }), job(ImportUserChunk, { index: 1 })])).dispatch();
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    // The catch job is sent at the first failure, behind the job already waiting; finally comes once both ran.
    expect(events).toEqual(['chunk:1', 'catch(chunk 0 failed):batch', 'finally:batch']);
    const fresh = await batch.fresh();
    expect(fresh.cancelled()).toBe(true);
    expect(fresh.failedJobs).toBe(1);
    expect(fresh.failedJobIds).toHaveLength(1);
    expect(fresh.hasFailures()).toBe(true);
  });

  it('with allowFailures runs catch once and finally, but not then', async () => {
    const batch = await pending(
      t.bus.batch([job(ImportUserChunk, { index: 0, fail: true }), job(ImportUserChunk, { index: 1, fail: true }), job(ImportUserChunk, { index: 2 })]),
    )
      .allowFailures()
      .dispatch();
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    expect(events.filter((e) => !e.startsWith('chunk'))).toEqual(['catch(chunk 0 failed):batch', 'finally:batch']);
    expect((await batch.fresh()).cancelled()).toBe(false);
  });

  it('runs then when a failed job is retried and succeeds', async () => {
    failuresLeft = 1;
    const batch = await t.bus.batch([job(ImportUserChunk, { index: 0, failOnce: true })]).allowFailures().then(job(Callback, { kind: 'then' })).dispatch();
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    expect((await batch.fresh()).failedJobs).toBe(1);
    expect(await t.failed.retry('all')).toHaveLength(1);
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    expect(events).toEqual(['chunk:0', 'then:batch']);
    const fresh = await batch.fresh();
    expect(fresh.finished()).toBe(true);
    expect(fresh.failedJobIds).toEqual([]);
  });

  it('finishes an empty batch at once', async () => {
    const batch = await pending(t.bus.batch([])).dispatch();
    expect(batch.progress()).toBe(0);
    expect(batch.finished()).toBe(true);
    await work();
    expect(events).toEqual(['then:batch', 'finally:batch']);
  });

  it('adds jobs to a running batch', async () => {
    const batch = await t.bus.batch([job(ImportUserChunk, { index: 0 })]).then(job(Callback, { kind: 'then' })).dispatch();
    const added = await batch.add([job(ImportUserChunk, { index: 1 }), [job(ImportUserChunk, { index: 2 }), job(ImportUserChunk, { index: 3 })]]);
    expect(added.totalJobs).toBe(4);
    await work();
    expect(events).toEqual(['chunk:0', 'chunk:1', 'chunk:2', 'chunk:3', 'then:batch']);
  });

  it('skips the remaining jobs of a cancelled batch with SkipIfBatchCancelled (they count as done, so finally runs)', async () => {
    const batch = await t.bus
      .batch([job(CancellableChunk, { index: 0 }), job(CancellableChunk, { index: 1, cancel: true }), job(CancellableChunk, { index: 2 })])
      .finally(job(Callback, { kind: 'finally' }))
      .dispatch();
    await work();
    expect(events).toEqual(['cancellable:0', 'cancellable:1', 'finally:batch']);
    expect((await batch.fresh()).cancelled()).toBe(true);
  });

  it('keeps the user options and honours onQueue', async () => {
    const batch = await t.bus.batch([job(ImportUserChunk, { index: 0 })]).onQueue('imports').withOptions({ userId: 9 }).dispatch();
    expect(batch.options).toEqual({ userId: 9 });
    expect(await t.manager.connection().size('imports')).toBe(1);
  });
});
