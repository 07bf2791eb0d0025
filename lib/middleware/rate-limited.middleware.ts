import { createHash } from 'node:crypto';
import type { JobContext, JobMiddleware } from '../worker/job-context.interface';
import { runtimeOf } from '../worker/job-runtime';
import { assertWindow, DurationLimiter } from './duration-limiter';
import type { Limit } from './limit';
import { RateLimiter } from './rate-limiter';
import { SecondsOrDate, secondsUntil } from './seconds';

/** Pause between two tries while blocking for a slot (as Laravel's DurationLimiter::block). */
const BLOCK_RETRY_MS = 750;

interface Throttle {
  key: string;
  allows: number;
  every: number;
}

/**
 * Holds a job back while a rate limit is used up, on a fixed-window duration limiter in the job's store (Redis, or
 * the database of a database connection).
 *
 * - `new RateLimited('name')`: the limits `RateLimiter.for('name', ...)` returns for the job, all of which must
 *   have a free slot. Over a limit: `release(releaseAfter ?? secondsUntilAvailable + 3)`. An unknown name lets the
 *   job run, as in Laravel.
 * - `new RateLimited(key, allows, everySeconds)`: the seed's own middleware (`Redis::throttle($key)`), `allows` jobs
 *   per `everySeconds` window; over the limit: `release(everySeconds)`.
 *
 * After `.dontRelease()` a job over the limit is dropped and counts as done.
 */
export class RateLimited implements JobMiddleware {
  private readonly limiterName: string;
  private readonly throttle: Throttle | null;
  private shouldRelease = true;
  private releaseDelay: SecondsOrDate | null = null;
  private blockSeconds = 0;

  constructor(limiterName: string);
  constructor(key: string, allows: number, everySeconds?: number);
  constructor(nameOrKey: string, allows?: number, everySeconds = 60) {
    if (typeof nameOrKey !== 'string' || nameOrKey === '') {
      throw new TypeError('RateLimited needs a limiter name (or a throttle key) as a non-empty string.');
    }
    this.limiterName = nameOrKey;
    this.throttle = allows === undefined ? null : { key: nameOrKey, allows, every: everySeconds };
    if (this.throttle) assertWindow(this.throttle.allows, this.throttle.every);
  }

  /** Drop the job (it counts as done) instead of releasing it when the limit is used up. */
  dontRelease(): this {
    this.shouldRelease = false;
    return this;
  }

  /** Release a held-back job after this many seconds (or at this moment) instead of when the window ends. */
  releaseAfter(delay: SecondsOrDate): this {
    secondsUntil(delay);
    this.releaseDelay = delay;
    return this;
  }

  /**
   * Seed form only: wait up to `seconds` for a free slot before giving up, trying every 750 ms
   * (Laravel's `Redis::throttle()->block()`). Default 0: a worker never sleeps on a full limiter.
   */
  block(seconds: number): this {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`block() takes seconds (0 or more), got ${seconds}.`);
    this.blockSeconds = seconds;
    return this;
  }

  async handle(job: JobContext, next: () => Promise<void>): Promise<void> {
    if (this.throttle) return this.handleThrottle(job, next, this.throttle);

    const definition = RateLimiter.limiter(this.limiterName);
    if (!definition) return next();

    const result = await definition(job);
    const limits = (Array.isArray(result) ? result : result ? [result] : []).filter((limit) => !limit.unlimited);
    if (limits.length === 0) return next();

    const { store, prefix } = runtimeOf(job);
    for (const limit of limits) {
      const limiter = new DurationLimiter(store, this.limitKey(prefix, limit), limit.maxAttempts, limit.decaySeconds);
      const slot = await limiter.acquire();
      if (!slot.acquired) return this.overLimit(job, slot.decaysAt - slot.now + 3);
    }
    return next();
  }

  /**
   * `{prefix}limiter:{name}:{window seconds}:{md5(key)}`. The window length is part of the key, so two limits of
   * one limiter with the same `by()` key (say per minute and per day) keep separate counters.
   */
  private limitKey(prefix: string, limit: Limit): string {
    const key = limit.key === '' ? this.limiterName : limit.key;
    const hash = createHash('md5').update(key).digest('hex');
    return `${prefix}limiter:${this.limiterName}:${limit.decaySeconds}:${hash}`;
  }

  private async handleThrottle(job: JobContext, next: () => Promise<void>, throttle: Throttle): Promise<void> {
    const { store, prefix } = runtimeOf(job);
    const limiter = new DurationLimiter(store, `${prefix}throttle:${throttle.key}`, throttle.allows, throttle.every);
    const deadline = Date.now() + this.blockSeconds * 1000;
    for (;;) {
      const slot = await limiter.acquire();
      if (slot.acquired) return next();
      const left = deadline - Date.now();
      if (left <= 0 || job.signal?.aborted) return this.overLimit(job, throttle.every);
      await new Promise((resolve) => setTimeout(resolve, Math.min(BLOCK_RETRY_MS, left)));
    }
  }

  private overLimit(job: JobContext, defaultDelay: number): void {
    if (!this.shouldRelease) return;
    job.release(this.releaseDelay === null ? defaultDelay : secondsUntil(this.releaseDelay));
  }
}
