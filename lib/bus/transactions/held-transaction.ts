import { TransactionClosedError } from '../../errors';
import type { DatabaseIdentity } from './database-identity';

/** SQL run on the open transaction itself, and where that transaction is (for the outbox). */
export interface TransactionSql {
  /** Runs one statement on the transaction; `?` placeholders. */
  execute(sql: string, bindings: readonly unknown[]): Promise<unknown>;
  /** The database the transaction is on, compared with a `database` connection's database. */
  readonly database: DatabaseIdentity;
}

type Callback = () => unknown;

/**
 * The hold-until-commit queue of one open transaction: what to do after it commits (send the held jobs) and after
 * it rolls back (free what the held jobs took, e.g. a unique lock). A nested transaction (a savepoint) is a child:
 * its commit hands its callbacks to the parent, its rollback runs and drops them.
 */
export class HeldTransaction {
  private readonly committed: Callback[] = [];
  private readonly rolledBack: Callback[] = [];
  private state: 'open' | 'committed' | 'rolled back' = 'open';

  constructor(
    /** How the transaction was found, for messages: "@nestjs-cls/transactional", "a knex transaction"... */
    readonly source: string,
    /** Present when SQL can run on the transaction (a TypeORM EntityManager, a knex trx, `execute` given by hand). */
    readonly sql: TransactionSql | null = null,
    private readonly parent: HeldTransaction | null = null,
  ) {}

  get isOpen(): boolean {
    return this.state === 'open';
  }

  onCommit(callback: Callback): void {
    this.assertOpen();
    this.committed.push(callback);
  }

  onRollback(callback: Callback): void {
    this.assertOpen();
    this.rolledBack.push(callback);
  }

  /** A savepoint inside this transaction. */
  child(source: string, sql: TransactionSql | null = this.sql): HeldTransaction {
    return new HeldTransaction(source, sql, this);
  }

  /**
   * The transaction committed: runs the held callbacks in order (each awaited; one failing does not stop the
   * others) and resolves to the errors they threw. A child's callbacks go to its parent instead.
   */
  async commit(): Promise<unknown[]> {
    if (this.state !== 'open') return [];
    this.state = 'committed';
    if (this.parent && this.parent.isOpen) {
      for (const c of this.committed) this.parent.onCommit(c);
      for (const r of this.rolledBack) this.parent.onRollback(r);
      return [];
    }
    return runAll(this.committed);
  }

  /** The transaction rolled back: the held jobs are dropped, their rollback callbacks run. */
  async rollback(): Promise<unknown[]> {
    if (this.state !== 'open') return [];
    this.state = 'rolled back';
    return runAll(this.rolledBack);
  }

  /** Throws TransactionClosedError once the transaction has ended. */
  assertOpen(): void {
    if (this.state !== 'open') {
      throw new TransactionClosedError(this.source, this.state);
    }
  }
}

async function runAll(callbacks: Callback[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const callback of callbacks) {
    try {
      await callback();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
