import type { BatchOptions, BatchRecord, BatchRepository, UpdatedBatchJobCounts } from '../batches/batch-repository.interface';
import { BatchNotFoundError } from '../errors/batch.errors';

/** Batches kept in memory, for BusFake: the batches a test dispatched, with working counters, cancel and add. */
export class InMemoryBatchRepository implements BatchRepository {
  private readonly batches = new Map<string, BatchRecord>();

  async store(batch: { id: string; name: string; options: BatchOptions; createdAt: Date }): Promise<BatchRecord> {
    const record: BatchRecord = {
      ...batch, totalJobs: 0, pendingJobs: 0, failedJobs: 0, failedJobIds: [], cancelledAt: null, finishedAt: null,
    };
    this.batches.set(batch.id, record);
    return copy(record);
  }

  async find(id: string): Promise<BatchRecord | null> {
    const record = this.batches.get(id);
    return record ? copy(record) : null;
  }

  async get(limit: number, before?: string): Promise<BatchRecord[]> {
    const all = [...this.batches.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    const start = before ? all.findIndex((b) => b.id === before) + 1 : 0;
    return all.slice(start, start + limit).map(copy);
  }

  async incrementTotalJobs(id: string, amount: number): Promise<void> {
    const record = this.record(id);
    record.totalJobs += amount;
    record.pendingJobs += amount;
  }

  async decrementPendingJobs(id: string, jobId: string): Promise<UpdatedBatchJobCounts> {
    const record = this.record(id);
    record.pendingJobs -= 1;
    record.failedJobIds = record.failedJobIds.filter((f) => f !== jobId);
    return { pendingJobs: record.pendingJobs, failedJobs: record.failedJobs };
  }

  async incrementFailedJobs(id: string, jobId: string): Promise<UpdatedBatchJobCounts> {
    const record = this.record(id);
    record.failedJobs += 1;
    if (!record.failedJobIds.includes(jobId)) record.failedJobIds = [...record.failedJobIds, jobId];
    return { pendingJobs: record.pendingJobs, failedJobs: record.failedJobs };
  }

  async markAsFinished(id: string): Promise<void> {
    this.record(id).finishedAt = new Date();
  }

  async cancel(id: string): Promise<void> {
    const record = this.record(id);
    const now = new Date();
    record.cancelledAt = record.cancelledAt ?? now;
    record.finishedAt = record.finishedAt ?? now;
  }

  async delete(id: string): Promise<void> {
    this.batches.delete(id);
  }

  async prune(before: Date, options: { unfinished?: boolean; cancelled?: boolean } = {}): Promise<number> {
    let deleted = 0;
    for (const [id, b] of this.batches) {
      if (b.createdAt >= before) continue;
      const prune = b.finishedAt ? b.finishedAt < before : options.unfinished === true;
      if (prune || (options.cancelled && b.cancelledAt)) {
        this.batches.delete(id);
        deleted++;
      }
    }
    return deleted;
  }

  async setup(): Promise<void> {}

  async close(): Promise<void> {}

  private record(id: string): BatchRecord {
    const record = this.batches.get(id);
    if (!record) throw new BatchNotFoundError(id);
    return record;
  }
}

function copy(record: BatchRecord): BatchRecord {
  return { ...record, failedJobIds: [...record.failedJobIds], options: { ...record.options } };
}
