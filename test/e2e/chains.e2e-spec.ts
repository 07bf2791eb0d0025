import { Job, JobContext, OnQueue, job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

const events: string[] = [];

@Job()
class Step {
  async handle(data: { name: string; fail?: boolean; releaseFirst?: boolean }, ctx: JobContext): Promise<void> {
    if (data.releaseFirst && ctx.attempts === 1) {
      events.push(`${data.name}:released`);
      ctx.release(0);
      return;
    }
    if (data.fail) throw new Error(`${data.name} failed`);
    events.push(`${data.name}@${ctx.queue}`);
  }
}

@Job()
@OnQueue('own-queue')
class OwnQueueStep {
  async handle(data: { name: string }, ctx: JobContext): Promise<void> {
    events.push(`${data.name}@${ctx.queue}`);
  }
}

@Job()
class ChainFailed {
  async handle(data: { orderId: number }, ctx: JobContext): Promise<void> {
    events.push(`catch:${data.orderId}:${ctx.cause?.message}`);
  }
}

describe('chains', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    events.length = 0;
    t = await createQueueApp([Step, OwnQueueStep, ChainFailed]);
  });
  afterEach(() => t.close());

  const work = (queue = '{default}') => t.worker.run({ queue, stopWhenEmpty: true, sleep: 0, tries: 3 });

  it('runs jobs in order, each only after the one before succeeded', async () => {
    await t.bus.chain([job(Step, { name: 'payment' }), job(Step, { name: 'inventory' }), job(Step, { name: 'confirmation' })]).dispatch();
    expect(await t.manager.connection().size('{default}')).toBe(1);
    await work();
    expect(events).toEqual(['payment@default', 'inventory@default', 'confirmation@default']);
  });

  it('drops the rest on a failure and sends the catch job with the error', async () => {
    await t.bus
      .chain([job(Step, { name: 'payment' }), job(Step, { name: 'inventory', fail: true }), job(Step, { name: 'confirmation' })])
      .catch(job(ChainFailed, { orderId: 5 }))
      .dispatch();
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    expect(events).toEqual(['payment@default', 'catch:5:inventory failed']);
  });

  it('continues after a released job only once it succeeds', async () => {
    await t.bus.chain([job(Step, { name: 'a', releaseFirst: true }), job(Step, { name: 'b' })]).dispatch();
    await work();
    expect(events).toEqual(['a:released', 'a@default', 'b@default']);
  });

  it("sends later jobs on the chain's queue unless they set their own", async () => {
    await t.bus.chain([job(Step, { name: 'a' }), job(OwnQueueStep, { name: 'b' }), job(Step, { name: 'c' }).onQueue('explicit')]).onQueue('orders').dispatch();
    await work('orders,own-queue,explicit');
    expect(events).toEqual(['a@orders', 'b@own-queue', 'c@explicit']);
  });

  it('builds a conditional chain from an array', async () => {
    const requiresShipping = true;
    const links = [job(Step, { name: 'validate' }), job(Step, { name: 'payment' })];
    if (requiresShipping) links.push(job(Step, { name: 'shipping' }), job(Step, { name: 'label' }));
    links.push(job(Step, { name: 'confirm' }));
    await t.bus.chain(links).dispatch();
    await work();
    expect(events.map((e) => e.split('@')[0])).toEqual(['validate', 'payment', 'shipping', 'label', 'confirm']);
  });

  it('waits for a batch standing in the chain, then goes on', async () => {
    await t.bus
      .chain([job(Step, { name: 'before' }), t.bus.batch([job(Step, { name: 'b1' }), job(Step, { name: 'b2' })]), job(Step, { name: 'after' })])
      .dispatch();
    await work();
    expect(events).toEqual(['before@default', 'b1@default', 'b2@default', 'after@default']);
  });

  it('does not go on after a batch in the chain was cancelled by a failure, and sends the catch', async () => {
    await t.bus
      .chain([t.bus.batch([job(Step, { name: 'b1', fail: true }), job(Step, { name: 'b2' })]), job(Step, { name: 'after' })])
      .catch(job(ChainFailed, { orderId: 1 }))
      .dispatch();
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    expect(events).toEqual(['b2@default', 'catch:1:b1 failed']);
  });
});
