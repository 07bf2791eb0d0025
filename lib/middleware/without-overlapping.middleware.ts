import { randomUUID } from 'node:crypto';
import type { JobContext, JobMiddleware } from '../worker/job-context.interface';
import { runtimeOf } from '../worker/job-runtime';
import { SecondsOrDate, secondsUntil } from './seconds';

/**
 * Lets one job at a time run per lock key (Laravel's WithoutOverlapping). The lock is `{prefix}overlap:{job}:{key}`
 * (or `{prefix}overlap-shared:{key}` after `.shared()`), taken in the job's store (SET NX on Redis, a
 * conditional upsert in a database) with an owner token, and released after
 * the job, also when it throws, and only while this run still owns it.
 *
 * Lock held by another run: `release(releaseAfter)` (default 0), or nothing (the job counts as done) after
 * `.dontRelease()`. The lock has no expiry unless `.expireAfter(seconds)` gives one, as in Laravel; give one when a
 * worker that dies mid-job must not keep the key locked for good.
 */
export class WithoutOverlapping implements JobMiddleware {
  readonly key: string;
  private releaseDelay: SecondsOrDate | null;
  private expiresAfterSeconds: number;
  private shareKey = false;

  constructor(key: string | number = '', releaseAfter: SecondsOrDate | null = 0, expiresAfter: SecondsOrDate = 0) {
    this.key = String(key);
    if (releaseAfter !== null) secondsUntil(releaseAfter); // validates
    this.releaseDelay = releaseAfter;
    this.expiresAfterSeconds = secondsUntil(expiresAfter);
  }

  /** Seconds (or the moment) after which a job that found the lock held comes back. */
  releaseAfter(delay: SecondsOrDate): this {
    secondsUntil(delay);
    this.releaseDelay = delay;
    return this;
  }

  /** Drop a job that finds the lock held: it counts as done. */
  dontRelease(): this {
    this.releaseDelay = null;
    return this;
  }

  /** The lock expires after this many seconds (or at this moment) even if its holder never releases it. */
  expireAfter(expiresAfter: SecondsOrDate): this {
    this.expiresAfterSeconds = secondsUntil(expiresAfter);
    return this;
  }

  /** Share the lock with every job that uses the same key, whatever its name. */
  shared(): this {
    this.shareKey = true;
    return this;
  }

  /** The key of the lock this middleware takes for `job`. */
  lockKey(job: JobContext, prefix = runtimeOf(job).prefix): string {
    return this.shareKey ? `${prefix}overlap-shared:${this.key}` : `${prefix}overlap:${job.name}:${this.key}`;
  }

  async handle(job: JobContext, next: () => Promise<void>): Promise<void> {
    const { store, prefix } = runtimeOf(job);
    const lockKey = this.lockKey(job, prefix);
    const owner = randomUUID();
    const taken = await store.acquireLock(lockKey, owner, Math.ceil(this.expiresAfterSeconds * 1000));

    if (!taken) {
      if (this.releaseDelay !== null) job.release(secondsUntil(this.releaseDelay));
      return;
    }

    const unlock = () => store.releaseLock(lockKey, owner);
    try {
      await next();
    } catch (error) {
      // The job's own error is what matters; a failed unlock must not hide it.
      await unlock().catch(() => undefined);
      throw error;
    }
    await unlock();
  }
}
