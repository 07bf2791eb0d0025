import { DynamicModule } from '@nestjs/common';
import { Propagation } from '@nestjs-cls/transactional';
import { AfterCommitDispatchError, job, JobQueued, QueueEvents } from '../../../lib';
import { ran, RollBack, SendReceipt, SendUniqueReceipt, startApp, transactionHost, TxTestApp } from './transaction-apps';

/** How a suite reaches one adapter's transactions and its business table. */
export interface ClsHarness {
  imports(): DynamicModule[];
  /** Creates the `orders` table. */
  setup(): Promise<void>;
  /** Inserts an order through the transaction the code runs in (TransactionHost.tx). */
  insertOrder(t: TxTestApp, name: string): Promise<void>;
  /** Orders as another connection sees them. */
  orders(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * afterCommit through @nestjs-cls/transactional on one adapter: held until commit, dropped on rollback, at once
 * without a transaction, beforeCommit, the connection's afterCommit: true, savepoints, unique locks, batches, chains.
 */
export function clsAfterCommitSuite(
  name: string,
  harness: () => Promise<ClsHarness>,
  /** Whether a second, independent transaction can run beside an open one (not on one SQLite connection). */
  { independentTransactions }: { independentTransactions: boolean },
): void {
  describe(`afterCommit through @nestjs-cls/transactional (${name})`, () => {
    let h: ClsHarness;
    let t: TxTestApp;
    const inTransaction = <T>(fn: () => Promise<T>) => transactionHost(t).withTransaction(fn);
    const inSavepoint = <T>(fn: () => Promise<T>) => transactionHost(t).withTransaction(Propagation.Nested, fn);

    beforeAll(async () => {
      h = await harness();
      await h.setup();
    });
    afterAll(async () => {
      await h?.close();
    });
    beforeEach(async () => {
      ran.length = 0;
      t = await startApp(h.imports());
    });
    afterEach(async () => {
      await t?.close();
    });

    it('sends a job dispatched with afterCommit() only once the transaction has committed, and it runs once', async () => {
      let inside = -1;
      const id = await inTransaction(async () => {
        await h.insertOrder(t, 'o-1');
        const jobId = await t.bus.dispatch(SendReceipt, { order: 'o-1' }).afterCommit();
        inside = await t.queued();
        return jobId;
      });
      expect(typeof id).toBe('string');
      expect(inside).toBe(0);
      expect(await t.queued()).toBe(1);
      expect(await h.orders()).toContain('o-1');
      await t.work();
      expect(ran).toEqual(['o-1']);
    });

    it('never sends the job when the transaction rolls back (nor writes the order)', async () => {
      await expect(
        inTransaction(async () => {
          await h.insertOrder(t, 'o-2');
          await t.bus.dispatch(SendReceipt, { order: 'o-2' }).afterCommit();
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(await t.queued()).toBe(0);
      expect(await h.orders()).not.toContain('o-2');
      await t.bus.dispatch(SendReceipt, { order: 'later' });
      await t.work();
      expect(ran).toEqual(['later']);
    });

    it('sends at once when no transaction is open', async () => {
      await t.bus.dispatch(SendReceipt, { order: 'o-3' }).afterCommit();
      await t.bus.dispatch(SendReceipt, { order: 'o-4' }).onConnection('redis-after');
      expect(await t.queued()).toBe(2);
    });

    it('holds every dispatch on an afterCommit: true connection; beforeCommit() and other connections send at once', async () => {
      const inside = await inTransaction(async () => {
        await h.insertOrder(t, 'o-5');
        await t.bus.dispatch(SendReceipt, { order: 'held' }).onConnection('redis-after');
        await t.bus.dispatch(SendReceipt, { order: 'now' }).onConnection('redis-after').beforeCommit();
        await t.bus.dispatch(SendReceipt, { order: 'plain' }).onConnection('redis');
        return t.queued();
      });
      expect(inside).toBe(2);
      expect(await t.queued()).toBe(3);
      await t.work();
      expect(ran).toEqual(['now', 'plain', 'held']);
    });

    it('takes a unique job\'s lock at dispatch and frees it when the transaction rolls back', async () => {
      await expect(
        inTransaction(async () => {
          expect(typeof (await t.bus.dispatch(SendUniqueReceipt, { order: 'u-1' }).afterCommit())).toBe('string');
          expect(await t.bus.dispatch(SendUniqueReceipt, { order: 'u-1' }).afterCommit()).toBeNull();
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(typeof (await t.bus.dispatch(SendUniqueReceipt, { order: 'u-1' }))).toBe('string');
      await t.work();
      expect(ran).toEqual(['unique:u-1']);
    });

    it('drops the jobs of a savepoint that rolls back, and holds those of one that commits until the outer commit', async () => {
      let afterSavepoint = -1;
      await inTransaction(async () => {
        await t.bus.dispatch(SendReceipt, { order: 'outer' }).afterCommit();
        await inSavepoint(async () => {
          await t.bus.dispatch(SendReceipt, { order: 'kept' }).afterCommit();
        });
        await expect(
          inSavepoint(async () => {
            await t.bus.dispatch(SendReceipt, { order: 'dropped' }).afterCommit();
            throw new RollBack();
          }),
        ).rejects.toThrow(RollBack);
        afterSavepoint = await t.queued();
      });
      expect(afterSavepoint).toBe(0);
      await t.work();
      expect(ran).toEqual(['outer', 'kept']);
    });

    (independentTransactions ? it : it.skip)('sends the jobs of a RequiresNew transaction when it commits, without waiting for the outer one', async () => {
      let afterInner = -1;
      await inTransaction(async () => {
        await t.bus.dispatch(SendReceipt, { order: 'outer' }).afterCommit();
        await transactionHost(t).withTransaction(Propagation.RequiresNew, async () => {
          await t.bus.dispatch(SendReceipt, { order: 'inner' }).afterCommit();
        });
        afterInner = await t.queued();
      });
      expect(afterInner).toBe(1);
      await t.work();
      expect(ran).toEqual(['inner', 'outer']);
    });

    it('emits JobQueued for a held job after the commit, not at its dispatch', async () => {
      const events: string[] = [];
      t.app.get(QueueEvents).on(JobQueued, (e) => {
        events.push(e.id);
      });
      let inside = -1;
      const id = await inTransaction(async () => {
        const jobId = await t.bus.dispatch(SendReceipt, { order: 'e-1' }).afterCommit();
        inside = events.length;
        return jobId;
      });
      expect(inside).toBe(0);
      expect(events).toEqual([id]);
    });

    it('holds a whole dispatchMany call when one of its jobs goes to an afterCommit connection', async () => {
      const ids = await inTransaction(async () => {
        const sent = await t.bus.dispatchMany([job(SendReceipt, { order: 'm-1' }).onConnection('redis-after'), job(SendReceipt, { order: 'm-2' })]);
        expect(await t.queued()).toBe(0);
        return sent;
      });
      expect(ids).toEqual([expect.any(String), expect.any(String)]);
      expect(await t.queued()).toBe(2);
      await expect(
        inTransaction(async () => {
          await t.bus.dispatchMany([job(SendReceipt, { order: 'm-3' }).onConnection('redis-after')]);
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      await t.work();
      expect(ran).toEqual(['m-1', 'm-2']);
    });

    it('rejects the transaction\'s own promise with AfterCommitDispatchError when a held job cannot be sent after the commit', async () => {
      let id: string | null = null;
      const committing = inTransaction(async () => {
        await h.insertOrder(t, 'f-1');
        id = await t.bus.dispatch(SendReceipt, { order: 'f-1' }).afterCommit();
        await t.app.close();
      });
      await expect(committing).rejects.toThrow(AfterCommitDispatchError);
      await expect(committing).rejects.toThrow(String(id));
      expect(await h.orders()).toContain('f-1');
    });

    it('sends a batch\'s jobs after the commit, and deletes the batch when the transaction rolls back', async () => {
      const batch = await inTransaction(async () => {
        const b = await t.bus.batch([job(SendReceipt, { order: 'b-1' }), job(SendReceipt, { order: 'b-2' })]).afterCommit().dispatch();
        expect(await t.queued()).toBe(0);
        return b;
      });
      expect(batch.totalJobs).toBe(2);
      await t.work();
      expect(ran.sort()).toEqual(['b-1', 'b-2']);
      expect((await t.bus.findBatch(batch.id))?.finished()).toBe(true);

      let dropped = '';
      await expect(
        inTransaction(async () => {
          dropped = (await t.bus.batch([job(SendReceipt, { order: 'b-3' })]).onConnection('redis-after').dispatch()).id;
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(await t.bus.findBatch(dropped)).toBeNull();
      expect(await t.queued()).toBe(0);
    });

    it('starts a chain after the commit, and not at all after a rollback', async () => {
      await expect(
        inTransaction(async () => {
          await t.bus.chain([job(SendReceipt, { order: 'x-1' }), job(SendReceipt, { order: 'x-2' })]).afterCommit().dispatch();
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      await inTransaction(async () => {
        await t.bus.chain([job(SendReceipt, { order: 'c-1' }), job(SendReceipt, { order: 'c-2' })]).afterCommit().dispatch();
        expect(await t.queued()).toBe(0);
      });
      await t.work();
      expect(ran).toEqual(['c-1', 'c-2']);
    });
  });
}
