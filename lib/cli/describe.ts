import { isAbsolute, resolve } from 'node:path';
import type { DatabaseOptions } from '../config/queue-options.interface';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { redisAddress } from '../redis/redis-connections';

/** Words for where things are, for the CLI's lines: a Redis server's address, a database, the failed store. */

/** `redis 127.0.0.1:6379`: a Redis server by its address (never its password). */
export function describeRedisServer(config: ResolvedQueueConfig, server: string): string {
  const options = config.redis[server];
  return options ? redisAddress(options) : `(no Redis server "${server}")`;
}

/** `/app/storage/queue.sqlite` for a SQLite file, `pg 127.0.0.1:5432/app` for a server; never a password. */
export function describeDatabase(database: DatabaseOptions | undefined): string {
  if (!database) return '(not configured)';
  const connection = database.connection;
  if (typeof connection === 'string') return `${database.client} ${withoutCredentials(connection)}`;
  const c = (connection ?? {}) as { filename?: unknown; host?: unknown; port?: unknown; database?: unknown; connectionString?: unknown };
  if (typeof c.filename === 'string') {
    return c.filename === ':memory:' || c.filename.startsWith('file:') ? c.filename : isAbsolute(c.filename) ? c.filename : resolve(c.filename);
  }
  if (typeof c.connectionString === 'string') return `${database.client} ${withoutCredentials(c.connectionString)}`;
  const where = `${String(c.host ?? 'localhost')}${c.port !== undefined ? `:${String(c.port)}` : ''}`;
  return `${database.client} ${where}${c.database !== undefined ? `/${String(c.database)}` : ''}`;
}

/** Where failed jobs go: `database "sqlite" (/app/storage/queue.sqlite, table failed_jobs)`, `redis (127.0.0.1:6379)`... */
export function describeFailedStore(config: ResolvedQueueConfig): string {
  const failed = config.failed;
  switch (failed.driver) {
    case 'database':
      return `database "${failed.database}" (${describeDatabase(config.databases[failed.database])}, table ${failed.table})`;
    case 'redis':
      return `redis (${describeRedisServer(config, failed.server)})`;
    case 'null':
      return 'null (failed jobs are not kept)';
  }
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
