/**
 * What `afterCommit(transaction)` accepts for code that passes its transaction by hand (no @nestjs-cls/transactional).
 */

/** Any transaction that can tell when it ends: the small interface to wrap a driver or ORM of your own. */
export interface TransactionHooks {
  /** Runs `callback` once, after the transaction has committed (at the outermost commit for a nested one). */
  afterCommit(callback: () => unknown): void;
  /** Runs `callback` once, after the transaction has rolled back (or failed to commit). */
  afterRollback(callback: () => unknown): void;
  /**
   * Optional, for the transactional outbox: runs SQL on this transaction (`?` placeholders). With it and
   * `database` naming the `databases` entry this transaction is on, a job for a `database` connection on that
   * database is inserted by the transaction itself.
   */
  execute?(sql: string, bindings: readonly unknown[]): Promise<unknown>;
  /** The key of `databases` in QueueModule.forRoot() this transaction runs on (for the outbox). */
  database?: string;
}

/** A knex transaction (`await knex.transaction(async (trx) => ...)` or `knex.transaction()`), seen structurally. */
export interface KnexTransactionLike {
  readonly isTransaction?: boolean;
  readonly executionPromise: PromiseLike<unknown>;
  isCompleted(): boolean;
}

/**
 * A TypeORM transaction: the EntityManager `dataSource.transaction(async (manager) => ...)` hands out, or a
 * QueryRunner with a transaction started.
 */
export type TypeOrmTransactionLike =
  | { readonly queryRunner?: TypeOrmQueryRunnerLike }
  | TypeOrmQueryRunnerLike;

/** What is seen of a TypeORM QueryRunner. */
export interface TypeOrmQueryRunnerLike {
  readonly isTransactionActive: boolean;
  startTransaction(...args: never[]): Promise<void>;
}

/**
 * A transaction passed by hand to `afterCommit()`: a knex `trx`, a TypeORM EntityManager (or QueryRunner) in a
 * transaction, or anything implementing `TransactionHooks`.
 */
export type QueueTransaction = KnexTransactionLike | TypeOrmTransactionLike | TransactionHooks;

/**
 * How a dispatch treats an open transaction: `true` = held until it commits (the transaction is found through
 * @nestjs-cls/transactional), a transaction object = held until that one commits, `false` = sent at once
 * (`beforeCommit()`), undefined = as the connection's `afterCommit` says.
 */
export type AfterCommitChoice = boolean | QueueTransaction;
