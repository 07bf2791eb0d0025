import type { BatchRecord } from '../../batches/batch-repository.interface';
import type { FailedJobRecord } from '../../failed/failed-job-store.interface';
import type { DashboardBatch, DashboardJob, JobListResponse } from '../dashboard-api.types';
import type { JobRecord, JobRecordPage } from '../job-records.interface';

/** A record as the API answers it; `index` is its place in the list it was read from. */
export function jobView(record: JobRecord, index?: number): DashboardJob {
  const view: DashboardJob = { ...record, tags: [...record.tags] };
  if (record.encrypted) {
    delete view.data;
    delete view.payload;
  }
  if (index !== undefined) view.index = index;
  return view;
}

/** A page read after `startingAt`: its jobs carry their indexes (the reader's, else startingAt + 1 onwards). */
export function jobListView(page: JobRecordPage, startingAt: number): JobListResponse {
  return { jobs: page.jobs.map((job, i) => jobView(job, job.index ?? startingAt + 1 + i)), total: page.total };
}

/**
 * A failed job the failed store holds but the records do not (recorded before records were kept, or trimmed from
 * them): what its payload tells.
 */
export function failedRecordView(record: FailedJobRecord): DashboardJob {
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(record.payload);
    if (parsed && typeof parsed === 'object') payload = parsed as Record<string, unknown>;
  } catch {
    payload = {};
  }
  const encrypted = payload.encrypted === true;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const failedAt = record.failedAt.getTime();
  return {
    id: record.id,
    name: str(payload.displayName) ?? str(payload.job) ?? 'unknown',
    connection: record.connection,
    queue: record.queue,
    tags: Array.isArray(payload.tags) ? payload.tags.filter((t): t is string => typeof t === 'string') : [],
    status: 'failed',
    attempts: typeof payload.attempts === 'number' ? payload.attempts : 0,
    encrypted,
    ...(encrypted ? {} : { data: payload.data, payload: record.payload }),
    silenced: false,
    ...(str(payload.batchId) ? { batchId: str(payload.batchId) } : {}),
    pushedAt: typeof payload.createdAt === 'number' ? payload.createdAt * 1000 : failedAt,
    failedAt,
    exception: record.exception,
  };
}

export function batchView(batch: BatchRecord): DashboardBatch {
  const processedJobs = batch.totalJobs - batch.pendingJobs;
  const { allowFailures, connection, queue, user } = batch.options;
  return {
    id: batch.id,
    name: batch.name,
    totalJobs: batch.totalJobs,
    pendingJobs: batch.pendingJobs,
    processedJobs,
    progress: batch.totalJobs > 0 ? Math.round((processedJobs / batch.totalJobs) * 100) : 0,
    failedJobs: batch.failedJobs,
    failedJobIds: [...batch.failedJobIds],
    options: { allowFailures, connection, queue, user },
    createdAt: batch.createdAt.toISOString(),
    cancelledAt: batch.cancelledAt ? batch.cancelledAt.toISOString() : null,
    finishedAt: batch.finishedAt ? batch.finishedAt.toISOString() : null,
  };
}
