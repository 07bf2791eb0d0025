import { Injectable } from '@nestjs/common';
import { Job, JobContext, OnQueue, JobProcessed, JobQueued } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

@Injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

const seen: { data: unknown; greeting: string; attempts: number; queue: string; connection: string; id: string }[] = [];

@Job()
class SendWelcomeEmail {
  constructor(private readonly greeter: Greeter) {}

  async handle(data: { userId: number; name: string }, job: JobContext<{ userId: number; name: string }>): Promise<void> {
    seen.push({ data, greeting: this.greeter.greet(data.name), attempts: job.attempts, queue: job.queue, connection: job.connection, id: job.id });
  }
}

@Job({ name: 'emails.transactional' })
@OnQueue('transactional', 'redis-priority')
class SendTransactionalEmail {
  async handle(data: { to: string }, job: JobContext): Promise<void> {
    seen.push({ data, greeting: '', attempts: job.attempts, queue: job.queue, connection: job.connection, id: job.id });
  }
}

describe('dispatch and process', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    seen.length = 0;
    t = await createQueueApp([Greeter, SendWelcomeEmail, SendTransactionalEmail]);
  });
  afterEach(() => t.close());

  it('runs a dispatched job with its dependencies injected and reports the same id everywhere', async () => {
    const queued: JobQueued[] = [];
    t.events.on(JobQueued, (e) => void queued.push(e));
    const id = await t.bus.dispatch(SendWelcomeEmail, { userId: 1, name: 'Ada' });
    expect(typeof id).toBe('string');
    expect(queued.map((e) => e.id)).toEqual([id]);
    const reason = await t.worker.run({ queue: '{default}', stopWhenEmpty: true, sleep: 0 });
    expect(reason).toBe('empty');
    expect(seen).toEqual([
      { data: { userId: 1, name: 'Ada' }, greeting: 'hello Ada', attempts: 1, queue: 'default', connection: 'redis', id },
    ]);
    expect(await t.manager.connection('redis').size('{default}')).toBe(0);
  });

  it('sends a job to the queue and connection of its @OnQueue, unless the dispatch says otherwise', async () => {
    await t.bus.dispatch(SendTransactionalEmail, { to: 'a@example.com' });
    await t.bus.dispatch(SendTransactionalEmail, { to: 'b@example.com' }).onQueue('other').onConnection('redis');
    expect(await t.manager.connection('redis-priority').size('transactional')).toBe(1);
    expect(await t.manager.connection('redis').size('other')).toBe(1);
    await t.worker.run({ connection: 'redis-priority', queue: 'transactional', stopWhenEmpty: true, sleep: 0 });
    await t.worker.run({ connection: 'redis', queue: 'other', stopWhenEmpty: true, sleep: 0 });
    expect(seen.map((s) => [s.connection, s.queue, s.data])).toEqual([
      ['redis-priority', 'transactional', { to: 'a@example.com' }],
      ['redis', 'other', { to: 'b@example.com' }],
    ]);
  });

  it('fires JobProcessed once per job', async () => {
    const processed: string[] = [];
    t.events.on(JobProcessed, (e) => void processed.push(e.job.id));
    const a = await t.bus.dispatch(SendWelcomeEmail, { userId: 1, name: 'a' });
    const b = await t.bus.dispatch(SendWelcomeEmail, { userId: 2, name: 'b' });
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(processed).toEqual([a, b]);
  });
});
