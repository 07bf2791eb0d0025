import { QUEUE_DATABASE_CLIENTS } from '../../config/database-connection-config';

/** The three SQL families the database queue driver speaks; knex client names map onto them. */
export type SqlDialect = 'sqlite' | 'pg' | 'mysql';

/** What to write instead, for error messages. */
export const SUPPORTED_QUEUE_CONFIG_HINT = `use one of ${Object.keys(QUEUE_DATABASE_CLIENTS)
  .map((c) => `'${c}'`)
  .join(', ')} (SQLite, PostgreSQL, MySQL 8 / MariaDB 10.6+)`;

/** The dialect and driver package of a knex client name, or null when the queue driver does not support it. */
export function dialectOfClient(client: unknown): { dialect: SqlDialect; driver: string } | null {
  return typeof client === 'string' && Object.prototype.hasOwnProperty.call(QUEUE_DATABASE_CLIENTS, client) ? QUEUE_DATABASE_CLIENTS[client] : null;
}

/** Quotes a table name (checked by the config: letters, digits, `_`, one optional `schema.`) for the dialect. */
export function quoteTable(dialect: SqlDialect, table: string): string {
  const q = dialect === 'mysql' ? '`' : '"';
  return table
    .split('.')
    .map((part) => `${q}${part}${q}`)
    .join('.');
}
