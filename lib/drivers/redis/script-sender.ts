import { Command } from 'ioredis';
import type { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis-connections';

/**
 * A command that timed out before it was ever written to Redis (it waited for a connection that never became
 * ready): its outcome is known, nothing was sent. A timeout after the write is ioredis's own "Command timed out",
 * whose outcome is unknown.
 */
export class CommandNeverSentError extends Error {
  constructor(override readonly cause: unknown) {
    super('the connection to Redis never became ready, so nothing was sent');
    this.name = 'CommandNeverSentError';
  }
}

/**
 * Sends one script call straight to the socket (EVALSHA, then EVAL once on NOSCRIPT), bypassing ioredis's
 * auto-pipelining: the driver does its own batching (see RedisQueueDriver), so the extra deferral and
 * per-command Pipeline object would only add latency to every worker round trip.
 */
export async function sendScript<T>(client: RedisClient, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
  try {
    return await send<T>(client, 'evalsha', [script.sha, keys.length, ...keys, ...args]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return send<T>(client, 'eval', [script.source, keys.length, ...keys, ...args]);
    }
    throw error;
  }
}

async function send<T>(client: RedisClient, name: string, args: (string | number)[]): Promise<T> {
  const command = new Command(name, args, { replyEncoding: 'utf8' });
  let written = false;
  const toWritable = command.toWritable.bind(command);
  command.toWritable = (socket) => {
    written = true;
    return toWritable(socket);
  };
  try {
    return (await client.sendCommand(command)) as T;
  } catch (error) {
    if (!written && error instanceof Error && /command timed out/i.test(error.message)) throw new CommandNeverSentError(error);
    throw error;
  }
}
