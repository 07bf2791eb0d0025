import type { DatabaseOptions } from '../../config/queue-options.interface';
import type { ResolvedConnection } from '../../config/resolved-config.interface';
import type { HeldTransaction, TransactionSql } from './held-transaction';
import { identityOfKnexConfig, sameDatabase } from './database-identity';

/** A queue driver that can insert jobs through someone else's transaction (the database driver). */
interface WithinTransactionDriver {
  pushWithin(execute: TransactionSql['execute'], queue: string, payload: string, delaySeconds?: number): Promise<unknown>;
  pushAllWithin(execute: TransactionSql['execute'], jobs: readonly OutboxJob[]): Promise<unknown>;
}

/** One job row for the outbox: its queue, payload and delay (seconds; undefined = ready now). */
export interface OutboxJob {
  readonly queue: string;
  readonly payload: string;
  readonly delay?: number;
}

/** Writes one job row through the open transaction. */
export type OutboxWrite = (queue: string, payload: string, delaySeconds?: number) => Promise<unknown>;
/** Writes the job rows of one call (dispatchMany, a batch's jobs) through the open transaction, in order. */
export type OutboxWriteAll = (jobs: readonly OutboxJob[]) => Promise<unknown>;

/**
 * The transactional outbox: when the dispatch's connection is a `database` connection and the open transaction is
 * on that connection's database, the job row is inserted by the transaction itself (it exists if and only if the
 * business data committed). "The transaction's own database" is: the `databases` key a TransactionHooks object
 * declares, else the same SQLite file, or the same server host, port and database name, compared between the
 * connection's `databases` entry and the transaction's own settings (TypeORM DataSource options, knex config).
 * Null when the job must instead be sent after the commit.
 */
export function outboxWriter(
  held: HeldTransaction,
  settings: ResolvedConnection,
  databases: Readonly<Record<string, DatabaseOptions>>,
  driver: unknown,
): OutboxWrite | null {
  const target = outboxTarget(held, settings, databases, driver);
  return target ? (queue, payload, delaySeconds) => target.driver.pushWithin(target.execute, queue, payload, delaySeconds) : null;
}

/** As outboxWriter, for many jobs of one connection at once (multi-row statements on the transaction). */
export function outboxWriterOfAll(
  held: HeldTransaction,
  settings: ResolvedConnection,
  databases: Readonly<Record<string, DatabaseOptions>>,
  driver: unknown,
): OutboxWriteAll | null {
  const target = outboxTarget(held, settings, databases, driver);
  return target ? (jobs) => target.driver.pushAllWithin(target.execute, jobs) : null;
}

function outboxTarget(
  held: HeldTransaction,
  settings: ResolvedConnection,
  databases: Readonly<Record<string, DatabaseOptions>>,
  driver: unknown,
): { driver: WithinTransactionDriver; execute: TransactionSql['execute'] } | null {
  const sql = held.sql;
  if (!sql || (settings as { driver: string }).driver !== 'database') return null;
  if (!isWithinDriver(driver)) return null;
  const database = databaseNameOf(settings);
  if (!database || !isOnDatabase(sql, database, databases)) return null;
  return { driver, execute: sql.execute };
}

/** Whether the open transaction runs on the `databases` entry `database` (declared by name, or the same database). */
export function isOnDatabase(sql: TransactionSql, database: string, databases: Readonly<Record<string, DatabaseOptions>>): boolean {
  return sql.database.kind === 'declared' ? sql.database.name === database : sameDatabase(identityOfKnexConfig(databases[database]), sql.database);
}

/** The `databases` key of a database connection (its `connection`, as API.md names it; `database` as an alias). */
function databaseNameOf(settings: ResolvedConnection): string | undefined {
  const s = settings as { database?: unknown; connection?: unknown };
  if (typeof s.database === 'string') return s.database;
  return typeof s.connection === 'string' ? s.connection : undefined;
}

function isWithinDriver(driver: unknown): driver is WithinTransactionDriver {
  return (
    typeof driver === 'object' &&
    driver !== null &&
    typeof (driver as WithinTransactionDriver).pushWithin === 'function' &&
    typeof (driver as WithinTransactionDriver).pushAllWithin === 'function'
  );
}
