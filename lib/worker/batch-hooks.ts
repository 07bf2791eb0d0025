import type { Batch } from '../batches/batch';

/** Internal: how the job runner reports batch jobs. Implemented by the batches layer. */
export const BATCH_HOOKS = Symbol.for('nestjs-queue:batch-hooks');

export interface BatchHooks {
  find(id: string): Promise<Batch | null>;
  recordSuccessfulJob(batchId: string, jobId: string): Promise<void>;
  recordFailedJob(batchId: string, jobId: string, error: Error): Promise<void>;
}
