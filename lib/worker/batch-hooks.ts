import type { Batch } from '../batches/batch';
import type { DescriptorPayload } from '../payload/payload.interface';

/** Internal: how the job runner reports batch jobs. Implemented by the batches layer. */
export const BATCH_HOOKS = Symbol.for('nestjs-queue:batch-hooks');

export interface BatchHooks {
  find(id: string): Promise<Batch | null>;
  recordSuccessfulJob(batchId: string, jobId: string): Promise<void>;
  recordFailedJob(batchId: string, jobId: string, error: Error): Promise<void>;
  /** Sends the next link of a chain (a job or a batch). */
  continueChain(
    next: DescriptorPayload,
    context: { chain?: DescriptorPayload[]; chainCatch?: DescriptorPayload; chainConnection?: string; chainQueue?: string; batchId?: string },
  ): Promise<void>;
}
