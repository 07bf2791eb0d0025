import { BatchNotFoundError } from '../errors/batch.errors';
import type { BatchHost } from './batch-host.interface';
import type { BatchRecord } from './batch-repository.interface';

/**
 * A batch of jobs, as it stood when it was read: like Laravel's `Illuminate\Bus\Batch`, the fields are a
 * snapshot. `fresh()` reads it again; `cancel()` and `add()` change the stored batch, not this object.
 */
export class Batch {
  readonly id: string;
  readonly name: string;
  readonly totalJobs: number;
  readonly pendingJobs: number;
  readonly failedJobs: number;
  readonly failedJobIds: readonly string[];
  /** The options given to `PendingBatch.withOptions()`. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly cancelledAt: Date | null;
  readonly finishedAt: Date | null;

  readonly #record: BatchRecord;
  readonly #host: BatchHost;

  constructor(record: BatchRecord, host: BatchHost) {
    this.#record = record;
    this.#host = host;
    this.id = record.id;
    this.name = record.name;
    this.totalJobs = record.totalJobs;
    this.pendingJobs = record.pendingJobs;
    this.failedJobs = record.failedJobs;
    this.failedJobIds = [...record.failedJobIds];
    this.options = record.options.user ?? {};
    this.createdAt = new Date(record.createdAt.getTime());
    this.cancelledAt = record.cancelledAt && new Date(record.cancelledAt.getTime());
    this.finishedAt = record.finishedAt && new Date(record.finishedAt.getTime());
  }

  /** Jobs that have succeeded (a failed job stays pending until a retry of it succeeds). */
  processedJobs(): number {
    return this.totalJobs - this.pendingJobs;
  }

  /** Percentage of processed jobs, an integer 0–100; 0 for an empty batch. */
  progress(): number {
    return this.totalJobs > 0 ? Math.round((this.processedJobs() / this.totalJobs) * 100) : 0;
  }

  /** Every job succeeded, or the batch was cancelled (as in Laravel, cancelling also finishes a batch). */
  finished(): boolean {
    return this.finishedAt !== null;
  }

  cancelled(): boolean {
    return this.cancelledAt !== null;
  }

  hasFailures(): boolean {
    return this.failedJobs > 0;
  }

  /** The batch was dispatched with `allowFailures()`: a failed job does not cancel it. */
  allowsFailures(): boolean {
    return this.#record.options.allowFailures === true;
  }

  /** Cancels the stored batch. Its jobs that have not run yet still run unless they check `cancelled()`. */
  async cancel(): Promise<void> {
    await this.#host.repository.cancel(this.id);
  }

  /** The batch as it is stored now. Throws `BatchNotFoundError` when it has been deleted or pruned. */
  async fresh(): Promise<Batch> {
    const record = await this.#host.repository.find(this.id);
    if (!record) throw new BatchNotFoundError(this.id);
    return new Batch(record, this.#host);
  }

  /** Adds jobs to the batch (they count toward its totals before they can run) and returns the batch afresh. */
  async add(jobs: unknown[]): Promise<Batch> {
    await this.#host.addJobs(this.#record, jobs);
    return this.fresh();
  }
}
