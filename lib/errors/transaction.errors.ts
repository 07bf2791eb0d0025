import { QueueError } from './queue.error';

/** A job was to wait for a transaction that has already ended. */
export class TransactionClosedError extends QueueError {
  constructor(source: string, state: string) {
    super(
      `The transaction (${source}) has already ${state}, so a job can no longer wait for its commit. ` +
        `Dispatch inside the transaction, or after it without afterCommit().`,
    );
  }
}

/** `afterCommit(x)` was given something that is neither a knex transaction nor a TransactionHooks object. */
export class UnsupportedTransactionError extends QueueError {
  constructor(what: string) {
    super(
      `afterCommit() takes a knex transaction (trx), a TypeORM EntityManager or QueryRunner in a transaction, or an object with ` +
        `afterCommit(fn) and afterRollback(fn) methods, got ${what}. ` +
        `Call afterCommit() with no argument to use the @nestjs-cls/transactional transaction.`,
    );
  }
}

/**
 * A @nestjs-cls/transactional transaction is open, but nestjs-queue could not hook its commit (its TransactionHost
 * appeared after the queue module started, or the library's shape is not one nestjs-queue knows).
 */
export class UnwatchedTransactionError extends QueueError {
  constructor(detail: string) {
    super(
      `A job was dispatched with afterCommit inside a @nestjs-cls/transactional transaction that nestjs-queue cannot watch (${detail}). ` +
        `Register ClsPluginTransactional before the application starts (the same app as QueueModule), or pass the transaction ` +
        `by hand with afterCommit(hooks), or send at once with beforeCommit().`,
    );
  }
}

/** The transaction committed, but jobs held for it could not be sent afterwards; `errors` says why for each. */
export class AfterCommitDispatchError extends QueueError {
  /** Ids of the jobs concerned, as the dispatch errors name them. */
  readonly jobIds: readonly string[];

  constructor(readonly errors: readonly unknown[]) {
    const jobIds = errors.flatMap((e) => (e && typeof e === 'object' && Array.isArray((e as { jobIds?: unknown }).jobIds) ? ((e as { jobIds: string[] }).jobIds) : []));
    const first = errors[0] instanceof Error ? errors[0].message : String(errors[0]);
    super(
      `The transaction committed, but ${errors.length} dispatch${errors.length === 1 ? '' : 'es'} held for its commit failed ` +
        `(first: ${first}). Job ids: ${jobIds.join(', ') || '(none named)'}. Each error in .errors says whether its jobs were queued.`,
    );
    this.jobIds = jobIds;
  }
}
