import { job, PendingBatch } from '../../lib';
import { BusFake } from '../../lib/testing';
import {
  createFakeApp, failure, FakeApp, handled, ImportUserChunk, NotifyImportCompleted, OrderChainFailed, ProcessPayment, SendOrderConfirmation, UpdateInventory,
} from './bus-fake.fixtures';

describe('BusFake chains and batches', () => {
  let t: FakeApp;
  let bus: BusFake;
  beforeEach(async () => {
    handled.length = 0;
    t = await createFakeApp();
    bus = t.bus;
  });
  afterEach(() => t.close());

  describe('chains', () => {
    it('records the chain; its first job counts as dispatched, with the chain attached', async () => {
      const order = { orderId: 3 };
      const id = await bus
        .chain([job(ProcessPayment, order), job(UpdateInventory, order), job(SendOrderConfirmation, order)])
        .catch(job(OrderChainFailed, order))
        .onQueue('orders')
        .dispatch();
      expect(handled).toEqual([]);
      const [first] = bus.dispatched(ProcessPayment);
      expect(first).toMatchObject({ id, data: order, queue: 'orders', connection: 'redis' });
      expect(first.chain?.catchJob?.jobClass).toBe(OrderChainFailed);
      bus.assertNotDispatched(UpdateInventory);
      bus.assertChained([ProcessPayment, UpdateInventory, SendOrderConfirmation]);
      bus.assertChained([job(ProcessPayment, order), UpdateInventory, job(SendOrderConfirmation, { orderId: 3 })]);
    });

    it('assertChained fails listing the chains dispatched instead', async () => {
      expect(failure(() => bus.assertChained([ProcessPayment])).message).toBe(
        'Expected a chain of [ProcessPayment] to be dispatched, but it was not.\nNo chain was dispatched.',
      );
      await bus.chain([job(ProcessPayment, { orderId: 1 }), job(SendOrderConfirmation, { orderId: 1 })]).dispatch();
      expect(failure(() => bus.assertChained([ProcessPayment, UpdateInventory, SendOrderConfirmation])).message).toBe(
        'Expected a chain of [ProcessPayment, UpdateInventory, SendOrderConfirmation] to be dispatched, but it was not.\n' +
          'Chains dispatched instead:\n  - [ProcessPayment {"orderId":1}, SendOrderConfirmation {"orderId":1}]',
      );
      expect(failure(() => bus.assertChained([job(ProcessPayment, { orderId: 2 }), SendOrderConfirmation])).message.split('\n')[0]).toBe(
        'Expected a chain of [ProcessPayment {"orderId":2}, SendOrderConfirmation] to be dispatched, but it was not.',
      );
    });

    it('matches a batch link with PendingBatch; a chain starting with a batch dispatches the batch', async () => {
      const importBatch = bus.batch([job(ImportUserChunk, { index: 0 })]).name('import');
      expect(await bus.chain([importBatch, job(NotifyImportCompleted, { userId: 1 })]).dispatch()).toBeNull();
      bus.assertChained([PendingBatch, NotifyImportCompleted]);
      bus.assertBatched((b) => b.name === 'import');
      bus.assertNotDispatched(NotifyImportCompleted);
    });
  });

  describe('batches', () => {
    it('records the batch as built and returns a working Batch kept in memory', async () => {
      const batch = await bus
        .batch([job(ImportUserChunk, { index: 0 }), [job(ImportUserChunk, { index: 1 }), job(ImportUserChunk, { index: 2 })]])
        .name('User Import')
        .allowFailures()
        .then(job(NotifyImportCompleted, { userId: 4 }))
        .onQueue('imports')
        .withOptions({ userId: 4 })
        .dispatch();
      expect(batch).toMatchObject({ name: 'User Import', totalJobs: 3, pendingJobs: 3, failedJobs: 0, options: { userId: 4 } });
      expect(handled).toEqual([]);
      bus.assertNothingDispatched();
      bus.assertBatched((b) => b.name === 'User Import' && b.jobs.length === 2 && b.allowsFailures && b.queue === 'imports');
      bus.assertBatched((b) => b.thenJobs.some((j) => j.jobClass === NotifyImportCompleted) && b.options.userId === 4);
      bus.assertBatchCount(1);

      const more = await batch.add([job(ImportUserChunk, { index: 3 })]);
      expect(more.totalJobs).toBe(4);
      expect(bus.batched()[0].jobs).toHaveLength(3);
      await batch.cancel();
      const found = await bus.findBatch(batch.id);
      expect(found?.cancelled()).toBe(true);
      expect(await bus.findBatch('no-such-batch')).toBeNull();
    });

    it('assertBatched fails listing the batches dispatched instead', async () => {
      expect(failure(() => bus.assertBatched(() => true)).message).toBe(
        'Expected a batch matching the predicate to be dispatched, but it was not.\nNo batch was dispatched.',
      );
      await bus.batch([job(ImportUserChunk, { index: 0 }), job(ImportUserChunk, { index: 1 })]).name('import').dispatch();
      expect(failure(() => bus.assertBatched((b) => b.name === 'export')).message).toBe(
        'Expected a batch matching the predicate to be dispatched, but none of the 1 dispatched matched.\n' +
          'Batches dispatched instead:\n  - batch "import" of 2 [ImportUserChunk {"index":0}, ImportUserChunk {"index":1}]',
      );
    });

    it('assertBatchCount and assertNothingBatched', async () => {
      bus.assertNothingBatched();
      await bus.batch([job(ImportUserChunk, { index: 0 })]).dispatch();
      bus.assertBatchCount(1);
      expect(failure(() => bus.assertNothingBatched()).message).toBe(
        'Expected 0 batches to be dispatched, but 1 was.\nBatches dispatched:\n  - batch (unnamed) of 1 [ImportUserChunk {"index":0}]',
      );
      expect(failure(() => bus.assertBatchCount(2)).message.split('\n')[0]).toBe('Expected 2 batches to be dispatched, but 1 was.');
    });

    it('refuses what the real batch refuses: entries that are not job descriptors, data JSON would change', async () => {
      await expect(bus.batch([{ jobClass: ImportUserChunk, data: { index: 0 } } as never]).dispatch()).rejects.toThrow('job(JobClass, data)');
      await expect(bus.batch([job(ImportUserChunk, { index: 0, bad: undefined } as never)]).dispatch()).rejects.toThrow('data.bad');
    });
  });
});

