import type { RedisClient } from '../redis/redis-connections';
import { runScript } from './redis-scripts';

/** Outcome of taking a slot from a fixed window. Times are the Redis server's clock, in epoch seconds. */
export interface DurationAcquireResult {
  acquired: boolean;
  /** When the current window ends. */
  decaysAt: number;
  /** Slots left in the window after this call (never below 0). */
  remaining: number;
  now: number;
}

export interface DurationCheckResult {
  tooManyAttempts: boolean;
  decaysAt: number;
  now: number;
}

/**
 * Fixed-window limiter on one Redis hash {start, end, count}: at most `maxLocks` slots per `decaySeconds` window.
 * Every call is one Lua script, so any number of workers share the window exactly.
 */
export class DurationLimiter {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    readonly maxLocks: number,
    readonly decaySeconds: number,
  ) {
    assertWindow(maxLocks, decaySeconds);
  }

  /** Takes one slot if the window has one left. */
  async acquire(): Promise<DurationAcquireResult> {
    const [acquired, decaysAt, remaining, now] = numbers(
      await runScript(this.redis, 'durationAcquire', [this.key], [this.decaySeconds, this.maxLocks]),
      4,
    );
    return { acquired: acquired === 1, decaysAt, remaining: Math.max(0, remaining), now };
  }

  /** Whether the window is full, without taking a slot. */
  async tooManyAttempts(): Promise<DurationCheckResult> {
    const [tooMany, decaysAt, now] = numbers(
      await runScript(this.redis, 'durationTooMany', [this.key], [this.decaySeconds, this.maxLocks]),
      3,
    );
    return { tooManyAttempts: tooMany === 1, decaysAt, now };
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }
}

/** Throws a RangeError unless `maxLocks` is a whole number >= 0 and `decaySeconds` a whole number >= 1. */
export function assertWindow(maxLocks: number, decaySeconds: number): void {
  if (!Number.isInteger(maxLocks) || maxLocks < 0) {
    throw new RangeError(`A rate limit allows a whole number of attempts (0 or more), got ${maxLocks}.`);
  }
  if (!Number.isInteger(decaySeconds) || decaySeconds < 1) {
    throw new RangeError(`A rate limit window is a whole number of seconds (1 or more), got ${decaySeconds}.`);
  }
}

function numbers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length) {
    throw new Error(`Unexpected reply from the rate limiter script: ${JSON.stringify(reply)}`);
  }
  return reply.map((value) => Number(value));
}
