import type { AtomicStore, WindowAcquireResult, WindowCheckResult } from '../stores/atomic-store.interface';

/** Outcome of taking a slot from a fixed window. Times are the store's clock, in epoch seconds. */
export type DurationAcquireResult = WindowAcquireResult;
export type DurationCheckResult = WindowCheckResult;

/**
 * Fixed-window limiter {start, end, count}: at most `maxLocks` slots per `decaySeconds` window, in the job's atomic
 * store (a Lua script on Redis, one upsert in a database). Every call is atomic, so any number of workers share the
 * window exactly.
 */
export class DurationLimiter {
  constructor(
    private readonly store: AtomicStore,
    readonly key: string,
    readonly maxLocks: number,
    readonly decaySeconds: number,
  ) {
    assertWindow(maxLocks, decaySeconds);
  }

  /** Takes one slot if the window has one left. */
  acquire(): Promise<DurationAcquireResult> {
    return this.store.windowAcquire(this.key, this.maxLocks, this.decaySeconds);
  }

  /** Whether the window is full, without taking a slot. */
  tooManyAttempts(): Promise<DurationCheckResult> {
    return this.store.windowTooMany(this.key, this.maxLocks, this.decaySeconds);
  }

  clear(): Promise<void> {
    return this.store.delete(this.key);
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
