import type { Batch } from '../batches/batch';
import type { JobPayload } from '../payload/payload.interface';
import { JOB_RUNTIME, JobRuntime } from './job-runtime';
import type { JobContext } from './job-context.interface';
import { ManuallyFailedError } from '../errors';

/** What the handler asked for, read by the runner after `handle` settles. */
export type RequestedOutcome =
  | { kind: 'none' }
  | { kind: 'released'; delay: number }
  | { kind: 'deleted' }
  | { kind: 'failed'; error: Error };

/** One run of one job: its identity, its signal, and the outcome its handler asked for. */
export class RunningJob<T = unknown> implements JobContext<T> {
  readonly [JOB_RUNTIME]: JobRuntime;
  private readonly controller = new AbortController();
  outcome: RequestedOutcome = { kind: 'none' };
  /** Set when the job failed for good (by fail(), or by the runner). */
  private failed = false;

  constructor(
    readonly payload: JobPayload,
    readonly data: T,
    readonly connection: string,
    readonly queue: string,
    readonly maxTries: number,
    runtime: JobRuntime,
    private readonly loadBatch: (id: string) => Promise<Batch | null>,
  ) {
    this[JOB_RUNTIME] = runtime;
  }

  get id(): string {
    return this.payload.uuid;
  }
  get name(): string {
    return this.payload.job;
  }
  get attempts(): number {
    return this.payload.attempts;
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get batchId(): string | null {
    return this.payload.batchId ?? null;
  }
  get cause(): { name: string; message: string } | null {
    return this.payload.cause ?? null;
  }

  batch(): Promise<Batch | null> {
    return this.payload.batchId ? this.loadBatch(this.payload.batchId) : Promise.resolve(null);
  }

  release(delaySeconds = 0): void {
    if (this.outcome.kind !== 'none') return;
    this.outcome = { kind: 'released', delay: Math.max(0, Number(delaySeconds) || 0) };
  }

  fail(error?: Error | string): void {
    if (this.failed) return;
    this.markFailed();
    const err = error instanceof Error ? error : new ManuallyFailedError(this.name, error);
    this.outcome = { kind: 'failed', error: err };
  }

  delete(): void {
    if (this.outcome.kind !== 'none') return;
    this.outcome = { kind: 'deleted' };
  }

  isReleased(): boolean {
    return this.outcome.kind === 'released';
  }
  isDeleted(): boolean {
    return this.outcome.kind === 'deleted' || this.outcome.kind === 'failed';
  }
  hasFailed(): boolean {
    return this.failed;
  }
  isDeletedOrReleased(): boolean {
    return this.outcome.kind !== 'none';
  }

  /** The runner marks a job failed for good. */
  markFailed(): void {
    this.failed = true;
  }

  abort(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}
