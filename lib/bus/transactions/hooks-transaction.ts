import { AfterCommitDispatchError } from '../../errors';
import { HeldTransaction, TransactionSql } from './held-transaction';
import type { TransactionHooks } from './transaction.types';

const held = new WeakMap<TransactionHooks, HeldTransaction>();

/**
 * The hold-until-commit queue of a transaction passed by hand as `TransactionHooks`. It registers itself once per
 * hooks object; when the commit callback runs, the held jobs are sent, and a send that failed is thrown from that
 * callback (to whoever runs your hooks), as an AfterCommitDispatchError.
 */
export function heldForHooks(hooks: TransactionHooks): HeldTransaction {
  // One hooks object is one transaction: once it has ended, dispatches that name it are refused.
  const existing = held.get(hooks);
  if (existing) return existing;
  const sql: TransactionSql | null =
    typeof hooks.execute === 'function' && typeof hooks.database === 'string'
      ? { execute: (s, b) => (hooks.execute as NonNullable<TransactionHooks['execute']>).call(hooks, s, b), database: { kind: 'declared', name: hooks.database } }
      : null;
  const hold = new HeldTransaction('a transaction passed to afterCommit()', sql);
  held.set(hooks, hold);
  hooks.afterCommit(async () => {
    const errors = await hold.commit();
    if (errors.length) throw new AfterCommitDispatchError(errors);
  });
  hooks.afterRollback(async () => {
    await hold.rollback();
  });
  return hold;
}

export function isTransactionHooks(tx: unknown): tx is TransactionHooks {
  return (
    typeof tx === 'object' && tx !== null &&
    typeof (tx as TransactionHooks).afterCommit === 'function' &&
    typeof (tx as TransactionHooks).afterRollback === 'function'
  );
}
