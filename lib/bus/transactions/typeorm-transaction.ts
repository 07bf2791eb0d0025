import { TransactionClosedError } from '../../errors';
import { HeldTransaction } from './held-transaction';
import { transactionSqlOf } from './transaction-sql';
import type { TypeOrmTransactionLike } from './transaction.types';

/** What nestjs-queue uses of a TypeORM QueryRunner. */
interface QueryRunnerLike {
  readonly isTransactionActive: boolean;
  readonly transactionDepth?: number;
  readonly dataSource?: SubscribersOwner;
  readonly connection?: SubscribersOwner;
}

interface SubscribersOwner {
  subscribers: unknown[];
}

interface TransactionEvent {
  queryRunner: QueryRunnerLike;
}

/** A runner's open transaction and its savepoints, outermost first (index i = transaction depth i + 1). */
const watched = new WeakMap<QueryRunnerLike, HeldTransaction[]>();
const subscribed = new WeakSet<SubscribersOwner>();

/**
 * The hold-until-commit queue of a TypeORM transaction passed by hand (`afterCommit(manager)` inside
 * `dataSource.transaction(async (manager) => ...)`, or a QueryRunner). TypeORM broadcasts every commit and rollback
 * (savepoints too) to the DataSource's subscribers, after the runner's depth has changed: one subscriber per
 * DataSource settles the levels above the new depth, and depth 0 is the real commit or rollback.
 */
export function heldForTypeOrm(tx: TypeOrmTransactionLike, onError: (errors: unknown[]) => void): HeldTransaction {
  const runner = runnerOf(tx);
  if (!runner || !runner.isTransactionActive) throw new TransactionClosedError('a TypeORM transaction', 'ended (or never began)');
  const owner = runner.dataSource ?? runner.connection;
  if (!owner || !Array.isArray(owner.subscribers)) throw new TransactionClosedError('a TypeORM transaction without its DataSource', 'been released');
  subscribe(owner, onError);
  const depth = Math.max(1, runner.transactionDepth ?? 1);
  let levels = watched.get(runner);
  if (!levels) watched.set(runner, (levels = []));
  const sql = transactionSqlOf(tx);
  while (levels.length < depth) {
    const parent = levels[levels.length - 1];
    levels.push(parent ? parent.child('a TypeORM savepoint', sql) : new HeldTransaction('a TypeORM transaction', sql));
  }
  return levels[depth - 1];
}

/** An EntityManager in a transaction, or a QueryRunner, as TypeORM hands them out. */
export function isTypeOrmTransaction(tx: unknown): tx is TypeOrmTransactionLike {
  return runnerOf(tx) !== null;
}

function runnerOf(tx: unknown): QueryRunnerLike | null {
  if (typeof tx !== 'object' || tx === null) return null;
  if (isRunner(tx)) return tx;
  const runner = (tx as { queryRunner?: unknown }).queryRunner;
  return isRunner(runner) ? runner : null;
}

function isRunner(v: unknown): v is QueryRunnerLike {
  return (
    typeof v === 'object' && v !== null &&
    typeof (v as { isTransactionActive?: unknown }).isTransactionActive === 'boolean' &&
    typeof (v as { startTransaction?: unknown }).startTransaction === 'function' &&
    typeof (v as { query?: unknown }).query === 'function'
  );
}

function subscribe(owner: SubscribersOwner, onError: (errors: unknown[]) => void): void {
  if (subscribed.has(owner)) return;
  subscribed.add(owner);
  const settle = async (event: TransactionEvent, committed: boolean): Promise<void> => {
    const levels = watched.get(event.queryRunner);
    if (!levels) return;
    const depth = Math.max(0, event.queryRunner.transactionDepth ?? 0);
    const ended = levels.splice(depth);
    if (levels.length === 0) watched.delete(event.queryRunner);
    const errors: unknown[] = [];
    // Innermost first: a savepoint's jobs reach its parent before the parent itself settles.
    for (const level of ended.reverse()) errors.push(...(committed ? await level.commit() : await level.rollback()));
    // Never reject: TypeORM would take a failed subscriber for a failed commit and try to roll back what is committed.
    if (errors.length) onError(errors);
  };
  owner.subscribers.push({
    afterTransactionCommit: (event: TransactionEvent) => settle(event, true),
    afterTransactionRollback: (event: TransactionEvent) => settle(event, false),
  });
}
