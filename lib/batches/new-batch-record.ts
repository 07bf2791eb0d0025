import type { BatchOptions, BatchRecord } from './batch-repository.interface';

/** What BatchRepository.store is given. */
export interface NewBatch {
  id: string;
  name: string;
  options: BatchOptions;
  createdAt: Date;
}

/** A batch's record as stored, before any job is added: no jobs, not cancelled, not finished. */
export function newBatchRecord(batch: NewBatch): BatchRecord {
  return {
    id: batch.id,
    name: batch.name,
    totalJobs: 0,
    pendingJobs: 0,
    failedJobs: 0,
    failedJobIds: [],
    options: batch.options,
    createdAt: new Date(batch.createdAt.getTime()),
    cancelledAt: null,
    finishedAt: null,
  };
}
