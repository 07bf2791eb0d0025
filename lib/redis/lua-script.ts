import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-connections';

/**
 * A Lua script read once from a `.lua` file and called by SHA (EVALSHA), falling back to EVAL once when the
 * server does not know it yet (after a restart or SCRIPT FLUSH). Works with auto-pipelining and clusters.
 */
export class LuaScript {
  readonly sha: string;
  readonly source: string;

  /** `prelude`: a file of shared functions put before the script's own text (one script for Redis). */
  constructor(readonly path: string, prelude?: string) {
    const own = readFileSync(path, 'utf8');
    this.source = prelude ? `${readFileSync(prelude, 'utf8')}\n${own}` : own;
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run<T>(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    try {
      return (await client.evalsha(this.sha, keys.length, ...keys, ...args)) as T;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return (await client.eval(this.source, keys.length, ...keys, ...args)) as T;
      }
      throw error;
    }
  }
}
