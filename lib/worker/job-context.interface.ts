import type { Batch } from '../batches/batch';

/** What a handler, a middleware and an @OnFailed method see of the job they run. */
export interface JobContext<T = unknown> {
  /** The job's uuid: the same id dispatch() resolved to. */
  readonly id: string;
  /** Registered job name. */
  readonly name: string;
  readonly data: T;
  readonly connection: string;
  readonly queue: string;
  /** 1 on the first run. */
  readonly attempts: number;
  /** 0 = unlimited. */
  readonly maxTries: number;
  /** Aborted when the job's timeout passes (and when the worker must stop at once). */
  readonly signal: AbortSignal;
  readonly batchId: string | null;
  /** For a catch job (batch `catch`, chain `catch`): the error that set it off. */
  readonly cause: { name: string; message: string } | null;
  /** The job's raw payload as it came from the queue. */
  readonly payload: import('../payload/payload.interface').JobPayload;
  batch(): Promise<Batch | null>;
  /** Put the job back on its queue after `delaySeconds`; the attempt counts. */
  release(delaySeconds?: number): void;
  /** Fail the job for good (no more retries). */
  fail(error?: Error | string): void;
  /** Remove the job without running it again or recording a failure. */
  delete(): void;
  isReleased(): boolean;
  isDeleted(): boolean;
  hasFailed(): boolean;
  /** True once release(), delete() or fail() was called. */
  isDeletedOrReleased(): boolean;
}

/** Job middleware: runs around `handle`, in order. Call `next()` to go on; do not call it to stop here. */
export interface JobMiddleware {
  handle(job: JobContext, next: () => Promise<void>): Promise<void>;
}
