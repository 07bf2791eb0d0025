import { Job, JobContext, OnQueue, job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { uniquePrefix, waitUntil } from '../support/test-redis';

/**
 * Two applications on one Redis, as two deployments: `front` has every class and works queue `next`; `back`
 * only has First and works queue `first`. The link after First, and a batch's callback, must be sent by `back`,
 * which does not have their classes, by their registered names.
 */
const seen: string[] = [];

@Job({ name: 'First' })
@OnQueue('first')
class First {
  handle(data: { n: number }): void {
    seen.push(`first ${data.n}`);
  }
}

@OnQueue('next')
@Job({ name: 'Next', tries: 4, backoff: [7], tags: (d: { n: number }) => [`n:${d.n}`] })
class Next {
  handle(data: { n: number }, ctx: JobContext): void {
    seen.push(`next ${data.n} id=${ctx.id}`);
  }
}

@Job({ name: 'BatchDone' })
@OnQueue('next')
class BatchDone {
  handle(data: { label: string }, ctx: JobContext): void {
    seen.push(`batch done ${data.label} batch=${ctx.batchId}`);
  }
}

describe('chain links and batch callbacks are handed off by registered name', () => {
  let front: QueueTestApp;
  let back: QueueTestApp;
  beforeEach(async () => {
    seen.length = 0;
    const prefix = uniquePrefix('handoff');
    front = await createQueueApp([First, Next, BatchDone], { prefix });
    back = await createQueueApp([First], { prefix });
  });
  afterEach(async () => {
    await back.close();
    await front.close();
  });

  it('queues the next link of a chain from a worker that does not have its class, with the class\'s options', async () => {
    await front.bus.chain([job(First, { n: 1 }), job(Next, { n: 2 })]).dispatch();

    // Before: back ran First and then failed to send Next ("No job named Next is registered"), so First stayed
    // reserved and ran again; with tries 1 it would fail, never reaching Next.
    expect(await back.worker.run({ queue: 'first', stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
    expect(seen).toEqual(['first 1']);
    const waiting = await front.redis.lrange(`${front.prefix}queues:{next}`, 0, -1);
    expect(waiting).toHaveLength(1);
    const sent = JSON.parse(waiting[0]);
    expect(sent).toMatchObject({ job: 'Next', data: { n: 2 }, maxTries: 4, backoff: [7], tags: ['n:2'] });
    expect(await back.failed.all()).toEqual([]);

    expect(await front.worker.run({ queue: 'next', stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
    expect(seen).toEqual(['first 1', `next 2 id=${sent.uuid}`]);
  });

  it('sends a batch\'s then callback from the worker that finished the batch without having the callback\'s class', async () => {
    const batch = await front.bus.batch([job(First, { n: 1 }), job(First, { n: 2 })]).then(job(BatchDone, { label: 'ok' })).dispatch();

    expect(await back.worker.run({ queue: 'first', stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
    expect(seen.sort()).toEqual(['first 1', 'first 2']);
    expect((await batch.fresh()).finished()).toBe(true);

    await front.worker.run({ queue: 'next', stopWhenEmpty: true, sleep: 0, maxTime: 20 });
    await waitUntil(() => seen.includes(`batch done ok batch=${batch.id}`), 'the then callback ran in front');
  });

  it('moves a job whose next link cannot be sent from here to the failed jobs once, instead of running it again', async () => {
    // A link written without its class's options (by an earlier version), for a class this worker lacks.
    const id = '0190f2a4-0000-7000-8000-00000000abcd';
    await back.redis.rpush(`${back.prefix}queues:{first}`, JSON.stringify({ v: 1, uuid: id, job: 'First', data: { n: 5 }, chain: [{ job: 'Next', data: { n: 6 } }] }));

    expect(await back.worker.run({ queue: 'first', stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');

    expect(seen).toEqual(['first 5']);
    const record = await back.failed.find(id);
    expect(record?.exception).toContain('No job named "Next" is registered in this process');
    expect(JSON.parse(record?.payload ?? '{}')).toMatchObject({ uuid: id, job: 'First', chain: [{ job: 'Next' }] });
    expect(await back.manager.connection().sizes('first')).toEqual({ ready: 0, delayed: 0, reserved: 0 });
  });
});
