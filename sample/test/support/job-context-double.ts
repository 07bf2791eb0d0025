import type { JobContext, JobPayload } from '../../../lib';

/**
 * A JobContext for calling a job's handle() directly, as the seed's unit test calls `$job->handle()`: it
 * records what the handler asked for (release, fail, delete) instead of acting on a queue.
 */
export class JobContextDouble<T> implements JobContext<T> {
  readonly id = '01900000-0000-7000-8000-000000000000';
  readonly connection = 'redis';
  readonly maxTries: number;
  readonly signal = new AbortController().signal;
  readonly batchId = null;
  readonly cause = null;
  readonly payload: JobPayload;
  released: number | null = null;
  failedWith: Error | null = null;
  deleted = false;

  constructor(
    readonly name: string,
    readonly data: T,
    readonly attempts: number,
    readonly queue: string,
    maxTries = 1,
  ) {
    this.maxTries = maxTries;
    this.payload = { v: 1, attempts, uuid: this.id, job: name, data };
  }

  batch(): Promise<null> {
    return Promise.resolve(null);
  }

  release(delaySeconds = 0): void {
    if (this.isDeletedOrReleased()) return;
    this.released = delaySeconds;
  }

  fail(error?: Error | string): void {
    this.failedWith = error instanceof Error ? error : new Error(error ?? `${this.name} failed`);
  }

  delete(): void {
    this.deleted = true;
  }

  isReleased(): boolean {
    return this.released !== null;
  }

  isDeleted(): boolean {
    return this.deleted || this.failedWith !== null;
  }

  hasFailed(): boolean {
    return this.failedWith !== null;
  }

  isDeletedOrReleased(): boolean {
    return this.isReleased() || this.isDeleted();
  }
}
