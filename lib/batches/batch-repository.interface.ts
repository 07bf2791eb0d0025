import type { DescriptorPayload } from '../payload/payload.interface';
import type { NewBatch } from './new-batch-record';

/** What a batch remembers besides its counters: callbacks as job descriptors, where its jobs go, user options. */
export interface BatchOptions {
  allowFailures?: boolean;
  then?: DescriptorPayload[];
  catch?: DescriptorPayload[];
  finally?: DescriptorPayload[];
  connection?: string;
  queue?: string;
  /** The rest of a chain this batch stands in: dispatched after the batch finishes, unless cancelled. */
  chain?: DescriptorPayload[];
  chainCatch?: DescriptorPayload;
  /** The user's own options (PendingBatch.withOptions). */
  user?: Record<string, unknown>;
}

export interface BatchRecord {
  id: string;
  name: string;
  totalJobs: number;
  pendingJobs: number;
  failedJobs: number;
  failedJobIds: string[];
  options: BatchOptions;
  createdAt: Date;
  cancelledAt: Date | null;
  finishedAt: Date | null;
  /**
   * The span contexts of its jobs' process spans (`<trace id>-<span id>-<flags>`), kept as each job succeeded or
   * failed for good, the first MAX_TRACE_LINKS (128) of them, for its callbacks' span links; absent when none was
   * traced (no OpenTelemetry SDK).
   */
  jobSpans?: string[];
}

/** Counters after an atomic update, as Laravel's UpdatedBatchJobCounts. */
export interface UpdatedBatchJobCounts {
  pendingJobs: number;
  failedJobs: number;
}

/**
 * Stores batches. Every counter update is atomic (one Lua script, or one transaction with a row lock)
 * and returns the counters as they stand right after it, so exactly one caller sees each transition.
 */
export interface BatchRepository {
  /** Creates a batch with zero jobs. */
  store(batch: NewBatch): Promise<BatchRecord>;
  find(id: string): Promise<BatchRecord | null>;
  /** Newest first. */
  get(limit: number, before?: string): Promise<BatchRecord[]>;
  incrementTotalJobs(id: string, amount: number): Promise<void>;
  /**
   * pending − 1, and drops jobId from failedJobIds. `span`: the job's process span (see `jobSpans`), added to
   * `jobSpans` in the same update while fewer than 128 are kept.
   */
  decrementPendingJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts>;
  /** failed + 1, and adds jobId to failedJobIds. Pending is unchanged. `span`: as for decrementPendingJobs. */
  incrementFailedJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts>;
  markAsFinished(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  /** Deletes finished batches with finishedAt before `before`; with `unfinished`, also unfinished ones created before it; with `cancelled`, cancelled ones. */
  prune(before: Date, options?: { unfinished?: boolean; cancelled?: boolean }): Promise<number>;
  setup(): Promise<void>;
  close(): Promise<void>;
}
