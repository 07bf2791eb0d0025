import type { TransactionSql } from './held-transaction';
import { DatabaseIdentity, identityOfKnexConfig, identityOfTypeOrmOptions } from './database-identity';

/**
 * SQL on an open transaction object, when it is one nestjs-queue knows: a TypeORM EntityManager (what the TypeORM
 * adapter of @nestjs-cls/transactional hands out) or a knex transaction. Anything else: null (jobs are still held
 * until the commit, only not written by the transaction itself).
 */
export function transactionSqlOf(tx: unknown): TransactionSql | null {
  return typeOrmSql(tx) ?? knexSql(tx);
}

interface TypeOrmManagerLike {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
  queryRunner?: unknown;
  dataSource?: { options?: Record<string, unknown> };
  connection?: { options?: Record<string, unknown> };
}

function typeOrmSql(tx: unknown): TransactionSql | null {
  // An EntityManager (it has a queryRunner field, set in a transaction) or a QueryRunner itself.
  if (!isObject(tx) || typeof tx.query !== 'function' || !('queryRunner' in tx || typeof tx.isTransactionActive === 'boolean')) return null;
  const manager = tx as unknown as TypeOrmManagerLike;
  const options = (manager.dataSource ?? manager.connection)?.options;
  if (!options) return null;
  const database = identityOfTypeOrmOptions(options);
  const numbered = database.kind === 'server' && database.dialect === 'pgsql';
  return {
    database,
    execute: (sql, bindings) => manager.query(numbered ? numberPlaceholders(sql) : sql, [...bindings]),
  };
}

interface KnexTrxLike {
  isTransaction: true;
  raw(sql: string, bindings: readonly unknown[]): PromiseLike<unknown>;
  client?: { config?: { client?: unknown; connection?: unknown } };
}

function knexSql(tx: unknown): TransactionSql | null {
  if (!isKnexTransaction(tx)) return null;
  const trx = tx as KnexTrxLike;
  const database: DatabaseIdentity = identityOfKnexConfig(trx.client?.config);
  return { database, execute: async (sql, bindings) => trx.raw(sql, bindings) };
}

/** A knex transaction object (`trx`), as knex marks it. */
export function isKnexTransaction(tx: unknown): boolean {
  return (
    (typeof tx === 'function' || isObject(tx)) &&
    (tx as { isTransaction?: unknown }).isTransaction === true &&
    typeof (tx as { raw?: unknown }).raw === 'function' &&
    typeof (tx as { isCompleted?: unknown }).isCompleted === 'function'
  );
}

/** `?` placeholders as PostgreSQL's `$1, $2...`, leaving quoted strings and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
