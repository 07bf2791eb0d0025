import { Cluster } from 'ioredis';
import { FailoverInProgressError, QueueClosedError, RedisUnreachableError } from '../errors';
import type { RedisClient } from './redis-connections';

/**
 * What Redis and ioredis answer while a master is being replaced: the dead master's socket closing or refusing,
 * ioredis giving up on its own redirections, the cluster reporting a slot without a master, a replica not yet
 * promoted, a Sentinel still electing. Errors of the command itself (a script error, WRONGTYPE) are not among them.
 */
const FAILOVER_ERROR =
  /Too many Cluster redirections|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|LOADING|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Command timed out|max retries per request|Failed to refresh slots cache|None of (the )?startup nodes|Cluster isn't ready|Stream isn't writeable|All sentinels are unreachable|Connection in subscriber mode/i;

export function isFailoverError(error: unknown): boolean {
  if (error instanceof QueueClosedError) return false;
  // ioredis's "max retries per request", named with the server's address: the old master is gone.
  if (error instanceof RedisUnreachableError) return true;
  const message = error instanceof Error ? error.message : String(error);
  if (/Cluster is ended|Connection is closed by user/i.test(message)) return false;
  return FAILOVER_ERROR.test(message);
}

/** Longest pause between two attempts: a write goes through within about this long after the new master is up. */
const MAX_PAUSE_MS = 250;

/**
 * Runs `send` until it succeeds, retrying through failover errors (above) for at most `timeoutSeconds`, then
 * rejects with a FailoverInProgressError. On a cluster each retry first asks for a fresh slot map, so the write
 * goes to the promoted replica as soon as the cluster names it. Other errors reject at once.
 */
export async function retryThroughFailover<T>(
  client: RedisClient,
  server: string,
  timeoutSeconds: number,
  send: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let pause = 50;
  for (;;) {
    try {
      return await send();
    } catch (error) {
      if (!isFailoverError(error)) throw error;
      if (timeoutSeconds <= 0) throw error;
      if (Date.now() + pause > deadline) throw new FailoverInProgressError(server, timeoutSeconds, error);
      if (client instanceof Cluster && client.status === 'ready') client.refreshSlotsCache();
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}
