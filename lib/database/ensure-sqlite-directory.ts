import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseOptions } from '../config/queue-options.interface';

const SQLITE_CLIENTS = new Set(['better-sqlite3', 'sqlite3', 'sqlite']);

/**
 * SQLite opens a file but never makes its folder: the default store (`storage/queue.sqlite`) would fail on a
 * fresh checkout. Creates the folder of a SQLite file database; leaves other databases and `:memory:` alone.
 */
export function ensureSqliteDirectory(config: DatabaseOptions): void {
  if (!SQLITE_CLIENTS.has(String(config.client))) return;
  const connection = config.connection;
  const filename = typeof connection === 'string' ? connection : (connection as { filename?: unknown } | undefined)?.filename;
  if (typeof filename !== 'string' || filename === '' || filename === ':memory:' || filename.startsWith('file:')) return;
  mkdirSync(dirname(resolve(filename)), { recursive: true });
}
