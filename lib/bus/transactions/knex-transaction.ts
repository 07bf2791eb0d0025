import { TransactionClosedError } from '../../errors';
import { HeldTransaction } from './held-transaction';
import { transactionSqlOf } from './transaction-sql';
import type { KnexTransactionLike } from './transaction.types';

interface KnexTransactor extends KnexTransactionLike {
  rollback?: (...args: unknown[]) => unknown;
  parentTransaction?: KnexTransactor;
}

const held = new WeakMap<object, HeldTransaction>();

/**
 * The hold-until-commit queue of a knex transaction passed by hand (`afterCommit(trx)`). knex settles
 * `trx.executionPromise` when the transaction ends, but resolves it on a rollback without an error too; so the
 * trx's own `rollback` is wrapped to tell the two apart. A savepoint (`trx.transaction(...)` inside a trx) hands
 * its jobs to the outer transaction: they wait for the outermost commit.
 */
export function heldForKnex(trx: KnexTransactionLike, onError: (errors: unknown[]) => void): HeldTransaction {
  const existing = held.get(trx);
  if (existing && existing.isOpen && !trx.isCompleted()) return existing;
  if (trx.isCompleted()) throw new TransactionClosedError('a knex transaction', 'ended');
  const transactor = trx as KnexTransactor;
  const parent = transactor.parentTransaction && !transactor.parentTransaction.isCompleted()
    ? heldForKnex(transactor.parentTransaction, onError)
    : null;
  const sql = transactionSqlOf(trx);
  const hold = parent ? parent.child('a knex savepoint', sql) : new HeldTransaction('a knex transaction', sql);
  held.set(trx, hold);

  let rollbackAsked = false;
  const rollback = transactor.rollback;
  if (typeof rollback === 'function') {
    transactor.rollback = function (this: unknown, ...args: unknown[]) {
      rollbackAsked = true;
      return rollback.apply(this, args);
    };
  }
  const settle = async (committed: boolean): Promise<void> => {
    const errors = committed ? await hold.commit() : await hold.rollback();
    if (errors.length) onError(errors);
  };
  Promise.resolve(trx.executionPromise).then(
    () => settle(!rollbackAsked),
    () => settle(false),
  );
  return hold;
}
