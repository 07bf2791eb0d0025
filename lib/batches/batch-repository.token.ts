import type { BatchOptions, BatchRecord, BatchRepository as Contract, UpdatedBatchJobCounts } from './batch-repository.interface';

/**
 * The injectable batch store (`app.get(BatchRepository)`): Redis by default, or a database through knex,
 * as `batching` in the queue config says.
 */
export abstract class BatchRepository implements Contract {
  abstract store(batch: { id: string; name: string; options: BatchOptions; createdAt: Date }): Promise<BatchRecord>;
  abstract find(id: string): Promise<BatchRecord | null>;
  abstract get(limit: number, before?: string): Promise<BatchRecord[]>;
  abstract incrementTotalJobs(id: string, amount: number): Promise<void>;
  abstract decrementPendingJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts>;
  abstract incrementFailedJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts>;
  abstract markAsFinished(id: string): Promise<void>;
  abstract cancel(id: string): Promise<void>;
  abstract delete(id: string): Promise<void>;
  abstract prune(before: Date, options?: { unfinished?: boolean; cancelled?: boolean }): Promise<number>;
  abstract setup(): Promise<void>;
  abstract close(): Promise<void>;
}
