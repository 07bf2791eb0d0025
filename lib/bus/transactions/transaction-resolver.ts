import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { UnsupportedTransactionError } from '../../errors';
import { ClsTransactionBridge } from './cls-transaction-bridge';
import { HeldTransaction } from './held-transaction';
import { heldForHooks, isTransactionHooks } from './hooks-transaction';
import { heldForKnex } from './knex-transaction';
import { heldForTypeOrm, isTypeOrmTransaction } from './typeorm-transaction';
import { isKnexTransaction } from './transaction-sql';
import type { AfterCommitChoice, KnexTransactionLike } from './transaction.types';

/** What a dispatch says about the open transaction, or the hold-until-commit queue already found for it. */
export type AfterCommitRequest = AfterCommitChoice | HeldTransaction;

/**
 * Decides, per dispatch, whether a job waits for a transaction's commit, and which one: `beforeCommit()` → never;
 * `afterCommit(trx)` → that transaction; `afterCommit()` or the connection's `afterCommit: true` → the
 * @nestjs-cls/transactional transaction the code runs in, if any (none open: sent at once, as Laravel).
 */
@Injectable()
export class TransactionResolver implements OnModuleInit {
  private readonly cls = new ClsTransactionBridge();
  private readonly logger = new Logger('nestjs-queue');

  onModuleInit(): void {
    this.cls.install();
  }

  /** The transaction to wait for, or null to send at once. */
  resolve(choice: AfterCommitRequest | undefined, connectionAfterCommit: boolean): HeldTransaction | null {
    if (choice instanceof HeldTransaction) return choice.isOpen ? choice : null;
    if (choice === false) return null;
    if (choice === undefined && !connectionAfterCommit) return null;
    if (choice === true || choice === undefined) return this.cls.current();
    if (isTransactionHooks(choice)) return heldForHooks(choice);
    if (isKnexTransaction(choice)) return heldForKnex(choice as KnexTransactionLike, (errors) => this.logFailures('a knex', errors));
    if (isTypeOrmTransaction(choice)) return heldForTypeOrm(choice, (errors) => this.logFailures('a TypeORM', errors));
    throw new UnsupportedTransactionError(describe(choice));
  }

  /** Sends that failed after a commit nobody awaits (knex, TypeORM by hand) can only be told. */
  private logFailures(kind: string, errors: unknown[]): void {
    for (const error of errors) {
      this.logger.error(
        `A job held for ${kind} transaction's commit could not be sent after it committed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object' && typeof v !== 'function') return `${typeof v} ${String(v)}`;
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object without afterCommit and afterRollback';
}
