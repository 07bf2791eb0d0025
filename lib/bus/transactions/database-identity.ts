import { resolve } from 'node:path';

export type SqlDialect = 'sqlite' | 'pgsql' | 'mysql';

/**
 * Which database a transaction or a queue connection is on, so the outbox knows "the transaction's own database":
 * the same SQLite file (resolved path), or the same server host, port and database name (the user is not
 * compared: two roles on one database share its transactions' visibility). `declared` is a `databases` key
 * named by hand (TransactionHooks.database).
 */
export type DatabaseIdentity =
  | { kind: 'server'; dialect: SqlDialect; key: string }
  | { kind: 'declared'; name: string }
  | { kind: 'unknown' };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);
const DEFAULT_PORTS: Record<Exclude<SqlDialect, 'sqlite'>, number> = { pgsql: 5432, mysql: 3306 };

/** The dialect of a knex `client` or a TypeORM `type`; null for anything else. */
export function dialectOf(client: unknown): SqlDialect | null {
  switch (String(client)) {
    case 'better-sqlite3':
    case 'sqlite3':
    case 'sqlite':
      return 'sqlite';
    case 'pg':
    case 'postgres':
    case 'postgresql':
    case 'pgnative':
      return 'pgsql';
    case 'mysql':
    case 'mysql2':
    case 'mariadb':
      return 'mysql';
    default:
      return null;
  }
}

/** The identity of a knex-style configuration (a `databases` entry, or a knex trx's `client.config`). */
export function identityOfKnexConfig(config: { client?: unknown; connection?: unknown } | undefined): DatabaseIdentity {
  const dialect = dialectOf(config?.client);
  if (!dialect) return { kind: 'unknown' };
  const connection = config?.connection;
  if (dialect === 'sqlite') {
    const filename = typeof connection === 'string' ? connection : field(connection, 'filename');
    return sqliteIdentity(filename);
  }
  if (typeof connection === 'string') return urlIdentity(dialect, connection);
  const url = field(connection, 'connectionString');
  if (url) return urlIdentity(dialect, url);
  return serverIdentity(dialect, field(connection, 'host'), field(connection, 'port'), field(connection, 'database'));
}

/** The identity of a TypeORM DataSource's options (`dataSource.options`). */
export function identityOfTypeOrmOptions(options: Record<string, unknown> | undefined): DatabaseIdentity {
  const dialect = dialectOf(options?.type);
  if (!dialect) return { kind: 'unknown' };
  if (dialect === 'sqlite') return sqliteIdentity(field(options, 'database'));
  const url = field(options, 'url');
  if (url) return urlIdentity(dialect, url);
  return serverIdentity(dialect, field(options, 'host'), field(options, 'port'), field(options, 'database'));
}

export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  return a.kind === 'server' && b.kind === 'server' && a.dialect === b.dialect && a.key === b.key;
}

export function describeIdentity(identity: DatabaseIdentity): string {
  switch (identity.kind) {
    case 'server':
      return `${identity.dialect} ${identity.key}`;
    case 'declared':
      return `the "${identity.name}" database`;
    default:
      return 'an unknown database';
  }
}

function sqliteIdentity(filename: string | undefined): DatabaseIdentity {
  // An in-memory database is private to its connection: nothing else is ever "the same database".
  if (!filename || filename === ':memory:' || filename.startsWith('file:')) return { kind: 'unknown' };
  return { kind: 'server', dialect: 'sqlite', key: resolve(filename) };
}

function urlIdentity(dialect: Exclude<SqlDialect, 'sqlite'>, text: string): DatabaseIdentity {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'unknown' };
  }
  return serverIdentity(dialect, decodeURIComponent(url.hostname), url.port, decodeURIComponent(url.pathname.replace(/^\//, '')));
}

function serverIdentity(dialect: Exclude<SqlDialect, 'sqlite'>, host: unknown, port: unknown, database: unknown): DatabaseIdentity {
  if (typeof database !== 'string' || database === '') return { kind: 'unknown' };
  const h = typeof host === 'string' ? host.toLowerCase() : '';
  const p = port === undefined || port === '' || port === null ? DEFAULT_PORTS[dialect] : Number(port);
  return { kind: 'server', dialect, key: `${LOCAL_HOSTS.has(h) ? 'localhost' : h}:${p}/${database}` };
}

function field(o: unknown, key: string): string | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
