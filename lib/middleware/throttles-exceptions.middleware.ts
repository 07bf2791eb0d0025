import type { JobContext, JobMiddleware } from '../worker/job-context.interface';
import { runtimeOf } from '../worker/job-runtime';
import { assertWindow, DurationLimiter } from './duration-limiter';

/** Decides something about an error a job threw. */
export type ErrorPredicate = (error: unknown) => boolean;

/** An error class: `deleteWhen(NotFoundError)` matches its instances. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Minutes to wait before retrying after an exception, fixed or chosen per error. */
export type BackoffMinutes = number | ((error: unknown) => number);

/**
 * Backs off a job whose dependency keeps failing (Laravel's ThrottlesExceptionsWithRedis). Exceptions are counted on
 * a fixed window of `decaySeconds` in the job's store, Redis or a database (`{prefix}throttles-exceptions:{key}`, the key being `.by()`'s, else the
 * job's name, or its id after `.byJob()`):
 *
 * 1. `maxAttempts` exceptions in the window: the job is released, without running, until the window ends.
 * 2. The job succeeds: the count is reset.
 * 3. The job throws: an error `.when()` rejects is rethrown untouched (not counted); else `.deleteWhen()` deletes
 *    the job, `.failWhen()` fails it; else the exception is counted and the job released after `.backoff()` minutes
 *    (default 0).
 */
export class ThrottlesExceptions implements JobMiddleware {
  private key = '';
  private byJobId = false;
  private retryAfterMinutes: BackoffMinutes = 0;
  private whenCallback: ErrorPredicate | null = null;
  private readonly deleteWhenCallbacks: ErrorPredicate[] = [];
  private readonly failWhenCallbacks: ErrorPredicate[] = [];

  constructor(
    readonly maxAttempts = 10,
    readonly decaySeconds = 600,
  ) {
    assertWindow(maxAttempts, decaySeconds);
  }

  /** Only errors `callback` accepts are throttled; any other error is rethrown as is. */
  when(callback: ErrorPredicate): this {
    this.whenCallback = callback;
    return this;
  }

  /** Delete the job (no retry, no failure record) on errors matching `callback` or instances of an error class. */
  deleteWhen(callback: ErrorPredicate | ErrorClass): this {
    this.deleteWhenCallbacks.push(toPredicate(callback));
    return this;
  }

  /** Fail the job for good on errors matching `callback` or instances of an error class. */
  failWhen(callback: ErrorPredicate | ErrorClass): this {
    this.failWhenCallbacks.push(toPredicate(callback));
    return this;
  }

  /** Minutes before a job that threw (below the limit) runs again: a number, or chosen per error. */
  backoff(minutes: BackoffMinutes): this {
    if (typeof minutes === 'number' && (!Number.isFinite(minutes) || minutes < 0)) {
      throw new RangeError(`backoff() takes minutes (0 or more), got ${minutes}.`);
    }
    this.retryAfterMinutes = minutes;
    return this;
  }

  /** Count exceptions under this key, shared by every job that uses it. */
  by(key: string | number): this {
    this.key = String(key);
    return this;
  }

  /** Count exceptions per job (its id) rather than per job name. */
  byJob(): this {
    this.byJobId = true;
    return this;
  }

  /** The key the exceptions of `job` are counted under. */
  limiterKey(job: JobContext, prefix = runtimeOf(job).prefix): string {
    const key = this.key !== '' ? this.key : this.byJobId ? job.id : job.name;
    return `${prefix}throttles-exceptions:${key}`;
  }

  async handle(job: JobContext, next: () => Promise<void>): Promise<void> {
    const { store, prefix } = runtimeOf(job);
    const limiter = new DurationLimiter(store, this.limiterKey(job, prefix), this.maxAttempts, this.decaySeconds);

    const window = await limiter.tooManyAttempts();
    if (window.tooManyAttempts) {
      job.release(Math.max(0, window.decaysAt - window.now));
      return;
    }

    try {
      await next();
    } catch (error) {
      if (this.whenCallback && !this.whenCallback(error)) throw error;

      if (this.deleteWhenCallbacks.some((matches) => matches(error))) {
        job.delete();
        return;
      }
      if (this.failWhenCallbacks.some((matches) => matches(error))) {
        job.fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }

      await limiter.acquire();
      job.release(this.backoffSeconds(error));
      return;
    }
    await limiter.clear();
  }

  private backoffSeconds(error: unknown): number {
    const minutes = typeof this.retryAfterMinutes === 'function' ? this.retryAfterMinutes(error) : this.retryAfterMinutes;
    return Math.max(0, minutes * 60);
  }
}

function toPredicate(callback: ErrorPredicate | ErrorClass): ErrorPredicate {
  if (isErrorClass(callback)) return (error) => error instanceof callback;
  return callback as ErrorPredicate;
}

function isErrorClass(value: ErrorPredicate | ErrorClass): value is ErrorClass {
  return value === Error || value.prototype instanceof Error;
}
