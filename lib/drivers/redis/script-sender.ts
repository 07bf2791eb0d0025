import { Command } from 'ioredis';
import type { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis-connections';

/**
 * Sends one script call straight to the socket (EVALSHA, then EVAL once on NOSCRIPT), bypassing ioredis's
 * auto-pipelining: the driver does its own batching (see RedisQueueDriver), so the extra deferral and
 * per-command Pipeline object would only add latency to every worker round trip.
 */
export async function sendScript<T>(client: RedisClient, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
  try {
    return (await client.sendCommand(new Command('evalsha', [script.sha, keys.length, ...keys, ...args], { replyEncoding: 'utf8' }))) as T;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return (await client.sendCommand(new Command('eval', [script.source, keys.length, ...keys, ...args], { replyEncoding: 'utf8' }))) as T;
    }
    throw error;
  }
}
