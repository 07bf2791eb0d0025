import { Injectable } from '@nestjs/common';
import { Bus, JobContext, JobFailed, JobProcessed, OnQueueEvent } from '../../../lib';

export interface BatchSnapshot {
  batchId: string;
  after: string;
  outcome: 'processed' | 'failed';
  progress: number;
  totalJobs: number;
  pendingJobs: number;
  failedJobs: number;
}

/**
 * Monitoring batches as they run: after each job of a batch, reads the batch (`bus.findBatch`) and keeps its
 * progress and counts — what a dashboard polling the seed's "Monitoring Batches" code would see.
 */
@Injectable()
export class BatchProgressRecorder {
  readonly snapshots: BatchSnapshot[] = [];

  constructor(private readonly bus: Bus) {}

  @OnQueueEvent(JobProcessed)
  async processed(event: JobProcessed): Promise<void> {
    if (!event.job.isReleased()) await this.record(event.job, 'processed');
  }

  @OnQueueEvent(JobFailed)
  async failed(event: JobFailed): Promise<void> {
    await this.record(event.job, 'failed');
  }

  /** Snapshots of one batch, in the order they were taken. */
  of(batchId: string): BatchSnapshot[] {
    return this.snapshots.filter((s) => s.batchId === batchId);
  }

  private async record(job: JobContext, outcome: BatchSnapshot['outcome']): Promise<void> {
    if (!job.batchId || job.payload.batchCallback) return;
    const batch = await this.bus.findBatch(job.batchId);
    if (!batch) return;
    this.snapshots.push({
      batchId: batch.id,
      after: job.name,
      outcome,
      progress: batch.progress(),
      totalJobs: batch.totalJobs,
      pendingJobs: batch.pendingJobs,
      failedJobs: batch.failedJobs,
    });
  }
}
