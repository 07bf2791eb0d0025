import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Bus, Job, JobContext, QueueConfigError, QueueError, QueueModule, QueueModuleOptions, QueueOptionsFactory,
  UnknownConnectionError, UnknownJobClassError, Worker, job,
} from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix } from '../support/test-redis';

const handled: number[] = [];

@Job({ unique: { id: (d: { n: number }) => String(d.n) } })
class UniqueNumber {
  async handle(data: { n: number }, _job: JobContext): Promise<void> {
    handled.push(data.n);
  }
}

class NotAJob {
  async handle(): Promise<void> {}
}

describe('the Bus at its edges', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    handled.length = 0;
    t = await createQueueApp([UniqueNumber]);
  });
  afterEach(() => t.close());

  it('sends a dispatch once however often it is awaited, and refuses changes after it was sent', async () => {
    const pending = t.bus.dispatch(UniqueNumber, { n: 1 });
    const [a, b] = await Promise.all([pending, pending]);
    expect(a).toBe(b);
    expect(() => pending.onQueue('late')).toThrow(QueueError);
    expect(await t.manager.connection().size('{default}')).toBe(1);
  });

  it('sends an afterCommit() dispatch at once when no transaction is open, and refuses a non-transaction', async () => {
    expect(typeof (await t.bus.dispatch(UniqueNumber, { n: 1 }).afterCommit())).toBe('string');
    expect(await t.manager.connection().size('{default}')).toBe(1);
    await expect(t.bus.dispatch(UniqueNumber, { n: 2 }).afterCommit({} as never)).rejects.toThrow(/afterCommit\(\) takes a knex transaction/);
  });

  it('gives null in dispatchMany where a unique lock is held, and sends the rest', async () => {
    await t.bus.dispatch(UniqueNumber, { n: 1 });
    const ids = await t.bus.dispatchMany([job(UniqueNumber, { n: 1 }), job(UniqueNumber, { n: 2 })]);
    expect(ids[0]).toBeNull();
    expect(typeof ids[1]).toBe('string');
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(handled.sort()).toEqual([1, 2]);
  });

  it('rejects (never throws from then) when the class is not a registered job', async () => {
    const pending = t.bus.dispatch(NotAJob as never, {} as never);
    await expect(pending.dispatch()).rejects.toThrow(UnknownJobClassError);
    await expect(Promise.resolve(pending)).rejects.toThrow('NotAJob is not a registered job');
  });

  it('names an unknown connection, at dispatch and at work', async () => {
    await expect(t.bus.dispatch(UniqueNumber, { n: 3 }).onConnection('nope')).rejects.toThrow(UnknownConnectionError);
    await expect(t.worker.run({ connection: 'nope' })).rejects.toThrow(UnknownConnectionError);
  });

  it('refuses bad worker options, naming the option', async () => {
    await expect(t.worker.run({ sleep: -1 })).rejects.toThrow(QueueConfigError);
    await expect(t.worker.run({ concurrency: 0 })).rejects.toThrow('worker.concurrency');
    await expect(t.worker.run({ connection: 'sync' })).rejects.toThrow(/nothing to work/);
    await expect(t.worker.run({ queue: 'high,,low' })).rejects.toThrow(/empty queue name/);
  });
});

describe('QueueModule.forRootAsync with useClass', () => {
  it('reads its options from the factory class', async () => {
    @Injectable()
    class QueueConfigService implements QueueOptionsFactory {
      createQueueOptions(): QueueModuleOptions {
        const url = testRedisUrl();
        return { redis: { queue: { url }, default: { url } }, prefix: uniquePrefix(), failed: { driver: 'null' } };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRootAsync({ useClass: QueueConfigService })],
      providers: [UniqueNumber],
    }).compile();
    const app = await moduleRef.init();
    try {
      handled.length = 0;
      await app.get(Bus).dispatch(UniqueNumber, { n: 9 });
      expect(await app.get(Worker).run({ once: true, sleep: 0, memory: 0 })).toBe('once');
      expect(handled).toEqual([9]);
    } finally {
      await app.close();
    }
  });
});
