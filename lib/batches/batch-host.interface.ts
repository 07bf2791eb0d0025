import type { BatchRecord, BatchRepository } from './batch-repository.interface';

/** What a `Batch` needs from the library: where batches are stored, and how to add jobs to one (the Bus). */
export interface BatchHost {
  readonly repository: BatchRepository;
  /** Pushes more jobs into the batch, raising its totals atomically with the push. */
  addJobs(batch: BatchRecord, jobs: unknown[]): Promise<void>;
}
