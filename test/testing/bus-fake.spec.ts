import { Bus, InvalidJobDataError, job, Job, QueueManager, UnknownJobClassError } from '../../lib';
import { BusFake } from '../../lib/testing';
import { createFakeApp, failure, FakeApp, handled, ProcessPayment, SendTransactionalEmail, SendWelcomeEmail, UpdateInventory } from './bus-fake.fixtures';

class NotAJob {
  async handle(_data: { x: number }): Promise<void> {}
}

describe('BusFake', () => {
  let t: FakeApp;
  let bus: BusFake;
  beforeEach(async () => {
    handled.length = 0;
    t = await createFakeApp();
    bus = t.bus;
  });
  afterEach(() => t.close());

  describe('recording', () => {
    it('is what Nest injects for Bus, and records instead of sending: nothing reaches Redis, no handler runs', async () => {
      expect(t.app.get(Bus)).toBeInstanceOf(BusFake);
      expect(t.app.get(Bus)).toBeInstanceOf(Bus);
      const id = await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      await bus.dispatch(SendTransactionalEmail, { to: 'a@x.io' });
      const manager = t.app.get(QueueManager);
      expect(await manager.connection('redis').size('{default}')).toBe(0);
      expect(await manager.connection('redis-priority').size('transactional')).toBe(0);
      expect(handled).toEqual([]);
      expect(bus.dispatched(SendWelcomeEmail)).toEqual([
        { id, jobClass: SendWelcomeEmail, data: { userId: 1 }, queue: 'default', connection: 'redis', delay: null, chain: null },
      ]);
    });

    it('keeps the fluent PendingDispatch: onQueue, onConnection, delay; @OnQueue gives the default place', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 }).onConnection('redis-long').onQueue('slow').delay(30);
      await bus.dispatch(SendTransactionalEmail, { to: 'a@x.io' });
      await bus.dispatch(SendTransactionalEmail, { to: 'b@x.io' }).onQueue('other');
      expect(bus.dispatched(SendWelcomeEmail).map(({ queue, connection, delay }) => ({ queue, connection, delay }))).toEqual([
        { queue: 'slow', connection: 'redis-long', delay: 30 },
      ]);
      expect(bus.dispatched(SendTransactionalEmail).map((d) => [d.connection, d.queue, d.data])).toEqual([
        ['redis-priority', 'transactional', { to: 'a@x.io' }],
        ['redis-priority', 'other', { to: 'b@x.io' }],
      ]);
    });

    it('records a dispatch when it is sent: an un-awaited dispatch sends nothing, as with the real Bus', async () => {
      const pending = bus.dispatch(SendWelcomeEmail, { userId: 1 });
      expect(bus.dispatched(SendWelcomeEmail)).toHaveLength(0);
      await pending;
      await pending;
      expect(bus.dispatched(SendWelcomeEmail)).toHaveLength(1);
    });

    it('checks what the real Bus checks: a class without @Job, data JSON would change', async () => {
      await expect(bus.dispatch(NotAJob, { x: 1 })).rejects.toThrow(UnknownJobClassError);
      await expect(bus.dispatch(SendWelcomeEmail, { userId: 1, at: () => 1 } as never)).rejects.toThrow(InvalidJobDataError);
      await expect(bus.dispatch(SendWelcomeEmail, { userId: 1, at: () => 1 } as never)).rejects.toThrow('data.at');
      await expect(bus.dispatch(SendWelcomeEmail, { userId: 1 }).afterCommit()).resolves.toEqual(expect.any(String));
    });

    it('dispatchIf / dispatchUnless record only when the condition says so', async () => {
      expect(await bus.dispatchIf(false, SendWelcomeEmail, { userId: 1 })).toBeNull();
      expect(typeof (await bus.dispatchIf(() => true, SendWelcomeEmail, { userId: 2 }))).toBe('string');
      expect(await bus.dispatchUnless(true, SendWelcomeEmail, { userId: 3 })).toBeNull();
      expect(typeof (await bus.dispatchUnless(false, SendWelcomeEmail, { userId: 4 }))).toBe('string');
      expect(bus.dispatched(SendWelcomeEmail).map((d) => d.data.userId)).toEqual([2, 4]);
    });

    it('dispatchMany records each job and resolves to their ids in order', async () => {
      const ids = await bus.dispatchMany([job(SendWelcomeEmail, { userId: 1 }), job(ProcessPayment, { orderId: 9 }).onQueue('payments').delay(5)]);
      expect(ids).toHaveLength(2);
      expect(bus.dispatched(SendWelcomeEmail)[0].id).toBe(ids[0]);
      expect(bus.dispatched(ProcessPayment)[0]).toMatchObject({ id: ids[1], queue: 'payments', delay: 5 });
    });

    it('dispatchSync runs nothing and is recorded apart from queued dispatches', async () => {
      await bus.dispatchSync(SendWelcomeEmail, { userId: 5 });
      expect(handled).toEqual([]);
      expect(bus.dispatched(SendWelcomeEmail)).toEqual([]);
      expect(bus.dispatchedSync(SendWelcomeEmail)).toEqual([{ jobClass: SendWelcomeEmail, data: { userId: 5 } }]);
    });
  });

  describe('assertDispatched', () => {
    it('passes when dispatched, with a matching predicate, or the exact number of times', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      await bus.dispatch(SendWelcomeEmail, { userId: 2 });
      bus.assertDispatched(SendWelcomeEmail);
      bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === 2);
      bus.assertDispatched(SendWelcomeEmail, (_data, record) => record.queue === 'default');
      bus.assertDispatched(SendWelcomeEmail, 2);
    });

    it('fails saying nothing was dispatched', () => {
      const error = failure(() => bus.assertDispatched(SendWelcomeEmail));
      expect(error.message).toBe('Expected SendWelcomeEmail to be dispatched, but it was not.\nNothing was dispatched.');
    });

    it('fails listing what was dispatched instead', async () => {
      await bus.dispatch(ProcessPayment, { orderId: 7 }).onQueue('payments');
      await bus.dispatchSync(UpdateInventory, { orderId: 7 });
      const error = failure(() => bus.assertDispatched(SendWelcomeEmail));
      expect(error.message).toBe(
        'Expected SendWelcomeEmail to be dispatched, but it was not.\n' +
          'Dispatched instead:\n' +
          '  - ProcessPayment {"orderId":7} on redis:payments\n' +
          '  - UpdateInventory {"orderId":7} (dispatchSync)',
      );
    });

    it('fails when no dispatch matches the predicate, showing the data that was sent', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 }).delay(10);
      const error = failure(() => bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === 2));
      expect(error.message).toBe(
        'Expected SendWelcomeEmail to be dispatched matching the predicate, but none of its 1 dispatch matched.\n' +
          'Dispatched instead:\n  - SendWelcomeEmail {"userId":1} on redis:default delayed 10s',
      );
    });

    it('fails on a wrong count', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      expect(failure(() => bus.assertDispatched(SendWelcomeEmail, 2)).message).toMatch(
        /^Expected SendWelcomeEmail to be dispatched 2 times, but it was dispatched 1 time\.\nDispatched instead:\n {2}- SendWelcomeEmail/,
      );
    });

    it('counts dispatchSync too, as Laravel does', async () => {
      await bus.dispatchSync(SendWelcomeEmail, { userId: 1 });
      bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === 1);
      bus.assertDispatchedTimes(SendWelcomeEmail, 1);
    });
  });

  describe('assertDispatchedTimes', () => {
    it('passes on the exact count, with or without a predicate', async () => {
      for (const userId of [1, 2, 2]) await bus.dispatch(SendWelcomeEmail, { userId });
      bus.assertDispatchedTimes(SendWelcomeEmail, 3);
      bus.assertDispatchedTimes(SendWelcomeEmail, 2, (data) => data.userId === 2);
      bus.assertDispatchedTimes(ProcessPayment, 0);
    });

    it('fails with both counts', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      expect(failure(() => bus.assertDispatchedTimes(SendWelcomeEmail, 3)).message.split('\n')[0]).toBe(
        'Expected SendWelcomeEmail to be dispatched 3 times, but it was dispatched 1 time.',
      );
      expect(failure(() => bus.assertDispatchedTimes(SendWelcomeEmail, 1, (d) => d.userId === 5)).message.split('\n')[0]).toBe(
        'Expected SendWelcomeEmail to be dispatched matching the predicate 1 time, but it was dispatched 0 times.',
      );
    });
  });

  describe('assertNotDispatched', () => {
    it('passes when the job (or a matching dispatch) was not sent', async () => {
      bus.assertNotDispatched(SendWelcomeEmail);
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      bus.assertNotDispatched(SendWelcomeEmail, (data) => data.userId === 2);
      bus.assertNotDispatched(ProcessPayment);
    });

    it('fails listing the dispatches that should not have happened', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      await bus.dispatchSync(SendWelcomeEmail, { userId: 2 });
      expect(failure(() => bus.assertNotDispatched(SendWelcomeEmail)).message).toBe(
        'Expected SendWelcomeEmail not to be dispatched, but it was dispatched 2 times:\n' +
          '  - SendWelcomeEmail {"userId":1} on redis:default\n' +
          '  - SendWelcomeEmail {"userId":2} (dispatchSync)',
      );
      expect(failure(() => bus.assertNotDispatched(SendWelcomeEmail, (d) => d.userId === 2)).message).toBe(
        'Expected SendWelcomeEmail not to be dispatched matching the predicate, but it was dispatched 1 time:\n' +
          '  - SendWelcomeEmail {"userId":2} (dispatchSync)',
      );
    });
  });

  describe('assertNothingDispatched', () => {
    it('passes when nothing was sent', () => {
      bus.assertNothingDispatched();
    });

    it('fails listing everything that was sent', async () => {
      await bus.dispatch(SendTransactionalEmail, { to: 'a@x.io' });
      await bus.dispatchSync(SendWelcomeEmail, { userId: 1 });
      expect(failure(() => bus.assertNothingDispatched()).message).toBe(
        'Expected nothing to be dispatched, but 2 jobs were:\n' +
          '  - SendTransactionalEmail {"to":"a@x.io"} on redis-priority:transactional\n' +
          '  - SendWelcomeEmail {"userId":1} (dispatchSync)',
      );
    });
  });

  describe('assertDispatchedOn', () => {
    it('passes for the queue the job goes to, by dispatch or by @OnQueue', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 }).onQueue('emails');
      await bus.dispatch(SendTransactionalEmail, { to: 'a@x.io' });
      bus.assertDispatchedOn('emails', SendWelcomeEmail);
      bus.assertDispatchedOn('emails', SendWelcomeEmail, (d) => d.userId === 1);
      bus.assertDispatchedOn('transactional', SendTransactionalEmail);
    });

    it('fails saying where the jobs went instead', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      expect(failure(() => bus.assertDispatchedOn('emails', SendWelcomeEmail)).message).toBe(
        'Expected SendWelcomeEmail to be dispatched on queue "emails", but it was not.\nDispatched instead:\n  - SendWelcomeEmail {"userId":1} on redis:default',
      );
      await bus.dispatch(SendWelcomeEmail, { userId: 2 }).onQueue('emails');
      expect(failure(() => bus.assertDispatchedOn('emails', SendWelcomeEmail, (d) => d.userId === 1)).message.split('\n')[0]).toBe(
        'Expected SendWelcomeEmail to be dispatched on queue "emails" matching the predicate, but it was not.',
      );
    });
  });

  describe('assertDispatchedSync', () => {
    it('passes for dispatchSync calls only', async () => {
      await bus.dispatchSync(SendWelcomeEmail, { userId: 1 });
      bus.assertDispatchedSync(SendWelcomeEmail);
      bus.assertDispatchedSync(SendWelcomeEmail, (d) => d.userId === 1);
      bus.assertDispatchedSync(SendWelcomeEmail, 1);
    });

    it('fails when the job was only queued, or a different number of times', async () => {
      await bus.dispatch(SendWelcomeEmail, { userId: 1 });
      expect(failure(() => bus.assertDispatchedSync(SendWelcomeEmail)).message).toBe(
        'Expected SendWelcomeEmail to be dispatched with dispatchSync, but it was not.\nDispatched instead:\n  - SendWelcomeEmail {"userId":1} on redis:default',
      );
      expect(failure(() => bus.assertDispatchedSync(SendWelcomeEmail, 2)).message.split('\n')[0]).toBe(
        'Expected SendWelcomeEmail to be dispatched with dispatchSync 2 times, but it was 0 times.',
      );
    });
  });
});

describe('BusFake without Nest', () => {
  it('can be made with new, for tests of code that takes a Bus directly', async () => {
    @Job()
    class Ping {
      async handle(_data: { n: number }): Promise<void> {}
    }
    const bus = new BusFake();
    const send = (b: Bus) => b.dispatch(Ping, { n: 1 }).onQueue('pings');
    await send(bus);
    bus.assertDispatchedOn('pings', Ping);
    expect(bus.dispatched(Ping)[0]).toMatchObject({ connection: null, queue: 'pings' });
  });
});
