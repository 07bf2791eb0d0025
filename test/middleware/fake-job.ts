import type Redis from 'ioredis';
import type { Batch } from '../../lib/batches/batch';
import type { JobPayload } from '../../lib/payload/payload.interface';
import type { JobContext } from '../../lib/worker/job-context.interface';
import { JOB_RUNTIME, JobRuntime } from '../../lib/worker/job-runtime';
import type { AtomicStore } from '../../lib/stores/atomic-store.interface';
import { RedisAtomicStore } from '../../lib/stores/redis-atomic.store';

export interface FakeJobOptions<T> {
  /** The store the middleware uses: this one, else a Redis store on `redis`. */
  store?: AtomicStore;
  redis?: Redis;
  prefix: string;
  name?: string;
  id?: string;
  data?: T;
  attempts?: number;
  /** What `batch()` resolves to; only `cancelled()` is needed by the middleware. */
  batch?: { cancelled(): boolean } | null;
}

let sequence = 0;

/**
 * A JobContext-shaped object for running one middleware in isolation: it records release / fail / delete calls
 * and carries the queue runtime (atomic store and prefix) under JOB_RUNTIME, as a worker's context does.
 */
export class FakeJob<T = unknown> implements JobContext<T> {
  readonly id: string;
  readonly name: string;
  readonly data: T;
  readonly connection = 'redis';
  readonly queue = 'default';
  readonly attempts: number;
  readonly maxTries = 0;
  readonly signal = new AbortController().signal;
  readonly batchId: string | null;
  readonly cause: { name: string; message: string } | null = null;
  readonly payload: JobPayload;
  readonly [JOB_RUNTIME]: JobRuntime;

  /** Delay of each release() call, in order. */
  readonly releases: number[] = [];
  readonly failures: Array<Error | string | undefined> = [];
  deletes = 0;

  private readonly batchValue: { cancelled(): boolean } | null;

  constructor(options: FakeJobOptions<T>) {
    this.id = options.id ?? `job-${++sequence}`;
    this.name = options.name ?? 'TestJob';
    this.data = options.data as T;
    this.attempts = options.attempts ?? 1;
    this.batchValue = options.batch ?? null;
    this.batchId = this.batchValue ? 'batch-1' : null;
    this.payload = { v: 1, attempts: this.attempts, uuid: this.id, job: this.name, data: this.data } as JobPayload;
    const { redis } = options;
    const store = options.store ?? (redis ? new RedisAtomicStore(() => redis, 'test Redis') : undefined);
    if (!store) throw new Error('FakeJob needs a store or a Redis client.');
    this[JOB_RUNTIME] = { store, prefix: options.prefix };
  }

  async batch(): Promise<Batch | null> {
    return this.batchValue as unknown as Batch | null;
  }

  release(delaySeconds = 0): void {
    this.releases.push(delaySeconds);
  }

  fail(error?: Error | string): void {
    this.failures.push(error);
  }

  delete(): void {
    this.deletes++;
  }

  isReleased(): boolean {
    return this.releases.length > 0;
  }

  isDeleted(): boolean {
    return this.deletes > 0;
  }

  hasFailed(): boolean {
    return this.failures.length > 0;
  }

  isDeletedOrReleased(): boolean {
    return this.isDeleted() || this.isReleased();
  }
}

/** A `next` that counts its calls (and can run something inside the middleware). */
export function countingNext(inside?: () => Promise<void> | void): (() => Promise<void>) & { calls: number } {
  const next = Object.assign(
    async () => {
      next.calls++;
      await inside?.();
    },
    { calls: 0 },
  );
  return next;
}

/** A promise with its resolve/reject in hand, to hold a job inside its middleware. */
export function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The Redis server's clock in whole epoch seconds (the limiters use it, not the test's). */
export async function serverNow(redis: Redis): Promise<number> {
  const [seconds] = await redis.time();
  return Number(seconds);
}
