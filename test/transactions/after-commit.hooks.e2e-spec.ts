import { AfterCommitDispatchError, TransactionHooks, UnsupportedTransactionError } from '../../lib';
import { ran, SendReceipt, startApp, TxTestApp } from './support/transaction-apps';

/** A transaction of your own driver, wrapped in the small public interface. */
class HandRolledTransaction implements TransactionHooks {
  private readonly committed: (() => unknown)[] = [];
  private readonly rolledBack: (() => unknown)[] = [];

  afterCommit(callback: () => unknown): void {
    this.committed.push(callback);
  }

  afterRollback(callback: () => unknown): void {
    this.rolledBack.push(callback);
  }

  async commit(): Promise<void> {
    for (const callback of this.committed) await callback();
  }

  async rollback(): Promise<void> {
    for (const callback of this.rolledBack) await callback();
  }
}

describe('afterCommit(hooks) with any transaction behind the TransactionHooks interface', () => {
  let t: TxTestApp;
  beforeEach(async () => {
    ran.length = 0;
    t = await startApp([]);
  });
  afterEach(async () => {
    await t?.close();
  });

  it('sends held jobs, in order, when the hooks report the commit', async () => {
    const tx = new HandRolledTransaction();
    await t.bus.dispatch(SendReceipt, { order: 'h-1' }).afterCommit(tx);
    await t.bus.dispatch(SendReceipt, { order: 'h-2' }).onConnection('redis-after').afterCommit(tx);
    expect(await t.queued()).toBe(0);
    await tx.commit();
    expect(await t.queued()).toBe(2);
    await t.work();
    expect(ran).toEqual(['h-1', 'h-2']);
  });

  it('drops held jobs when the hooks report a rollback, and refuses new ones after it', async () => {
    const tx = new HandRolledTransaction();
    await t.bus.dispatch(SendReceipt, { order: 'h-3' }).afterCommit(tx);
    await tx.rollback();
    await tx.commit();
    expect(await t.queued()).toBe(0);
    await expect(t.bus.dispatch(SendReceipt, { order: 'h-4' }).afterCommit(tx)).rejects.toThrow(/already rolled back/);
  });

  it('throws from the commit hook, naming the job, when a held job cannot be sent after the commit', async () => {
    const tx = new HandRolledTransaction();
    const id = await t.bus.dispatch(SendReceipt, { order: 'h-5' }).afterCommit(tx);
    await t.app.close();
    const failure = tx.commit();
    await expect(failure).rejects.toThrow(AfterCommitDispatchError);
    await expect(failure).rejects.toThrow(String(id));
  });

  it('refuses what is neither a knex transaction nor TransactionHooks', async () => {
    await expect(t.bus.dispatch(SendReceipt, { order: 'h-6' }).afterCommit({ commit() {} } as never)).rejects.toThrow(UnsupportedTransactionError);
  });
});
