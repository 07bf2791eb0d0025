import type { JobContext } from '../worker/job-context.interface';
import type { Limit } from './limit';

/** What a named limiter returns for a job: one limit, several (all must pass), or nothing (no limit). */
export type LimiterResult = Limit | Limit[] | null | undefined;

/** A named limiter's definition: decides the limits for the job about to run. */
export type LimiterCallback = (job: JobContext) => LimiterResult | Promise<LimiterResult>;

const limiters = new Map<string, LimiterCallback>();

/**
 * Global registry of named rate limiters, as Laravel's `RateLimiter` facade:
 * `RateLimiter.for('backups', (job) => Limit.perHour(1).by(job.data.userId))`, then `new RateLimited('backups')`.
 */
export class RateLimiter {
  /** Defines (or redefines) the limiter `name`. */
  static for<T = unknown>(name: string, callback: (job: JobContext<T>) => ReturnType<LimiterCallback>): typeof RateLimiter {
    limiters.set(name, callback as LimiterCallback);
    return RateLimiter;
  }

  /** The definition of `name`, or undefined when none was registered. */
  static limiter(name: string): LimiterCallback | undefined {
    return limiters.get(name);
  }

  /** Forgets the limiter `name`. */
  static forget(name: string): void {
    limiters.delete(name);
  }

  /** Forgets every definition (for tests). Counters in Redis are untouched. */
  static clear(): void {
    limiters.clear();
  }
}
