/**
 * The dashboard's JSON API, as its responses are on the wire (Horizon's routes and shapes, under `<basePath>/api`).
 * Plain JSON types only: times of jobs are epoch milliseconds, times of batches are ISO 8601 strings (as Laravel's
 * Batch serialises them). Errors answer Nest's `{ statusCode, message, error }` with 400 (bad query), 403 (not
 * authorised, cross-site), or 404 (no such job, batch or failed record).
 *
 * The page shell sets `window.QueueDashboard: DashboardGlobals`; POST and DELETE requests must send
 * `X-Queue-Dashboard-Token: <token>` (DASHBOARD_TOKEN_HEADER) and, from a browser, come from the dashboard's own origin.
 * Only `POST monitoring` has a body (JSON, with `Content-Type: application/json`); send the other POSTs and DELETEs
 * without a body and without a JSON Content-Type (Fastify refuses an empty body declared as JSON).
 */

/** `window.QueueDashboard`, set by the page shell before app.js runs. */
export interface DashboardGlobals {
  /** Where the dashboard's pages live, e.g. `/horizon` (no trailing slash). */
  basePath: string;
  /** Where the API lives: `<basePath>/api`. */
  apiBase: string;
  /** The value for the `X-Queue-Dashboard-Token` header of POST and DELETE requests. */
  token: string;
}

/** The header that carries the dashboard's token on state-changing requests. */
export const DASHBOARD_TOKEN_HEADER = 'x-queue-dashboard-token';

export type DashboardJobStatus = 'pending' | 'reserved' | 'completed' | 'failed';
export type DashboardStatus = 'running' | 'paused' | 'inactive';

/** One job as every job list and job detail answers it (Horizon's job record). */
export interface DashboardJob {
  id: string;
  name: string;
  connection: string;
  queue: string;
  tags: string[];
  status: DashboardJobStatus;
  attempts: number;
  /** True when the job is encrypted: `data` and `payload` are then absent. */
  encrypted: boolean;
  /** The job's data, decoded. */
  data?: unknown;
  /** The payload as queued (JSON text). */
  payload?: string;
  silenced: boolean;
  batchId?: string;
  /** Names of the chain links still to run after this job, in order. */
  chained?: string[];
  /** Epoch ms. */
  pushedAt: number;
  availableAt?: number;
  reservedAt?: number;
  completedAt?: number;
  failedAt?: number;
  /** The error's name, message and stack (failed jobs). */
  exception?: string;
  /** Jobs a retry of this failed job dispatched. */
  retriedBy?: { id: string; status: DashboardJobStatus; retriedAt: number }[];
  /**
   * The job's position in the list it was read from (0 = newest). The next page is `?starting_at=<index of the
   * last job shown>`. Absent on a single job's detail.
   */
  index?: number;
}

/**
 * `GET jobs/pending`, `jobs/completed`, `jobs/silenced`, `jobs/failed` (also `?tag=`), `monitoring/:tag`.
 * Query: `starting_at` (index after which to read; -1 or absent: from the newest), `limit` (default 50; 25 for
 * monitoring/:tag as Horizon; at most 1000).
 */
export interface JobListResponse {
  jobs: DashboardJob[];
  total: number;
}

/** `GET stats` (Horizon's dashboard stats). */
export interface DashboardStats {
  /** Jobs processed per minute since the last metrics snapshot. */
  jobsPerMinute: number;
  /** Jobs pushed, run or failed in the last `periods.recentJobs` minutes (pending included). */
  recentJobs: number;
  /** Jobs failed in the last `periods.failedJobs` minutes. */
  failedJobs: number;
  status: DashboardStatus;
  /** Live worker processes over every master. */
  processes: number;
  /** Seconds to clear the queue with the longest wait, 0 when none waits. */
  maxWaitTime: number;
  /** `connection:queue` with the longest wait, or null. */
  queueWithMaxWait: string | null;
  /** Horizon's `wait`: the longest wait as `{ 'connection:queue': seconds }` (empty object when no queue). */
  wait: Record<string, number>;
  /** `connection:queue` whose jobs ran longest on average since the last snapshot, or null. */
  queueWithMaxRuntime: string | null;
  /** `connection:queue` that ran most jobs since the last snapshot, or null. */
  queueWithMaxThroughput: string | null;
  /** Masters that are paused. */
  pausedMasters: number;
  /** Minutes the counts cover (horizon.trim.recentFailed and horizon.trim.recent). */
  periods: { failedJobs: number; recentJobs: number };
}

/** `GET workload`: one entry per queue a live supervisor serves (or horizon.waits names), sorted by name. */
export interface WorkloadEntry {
  /** `connection:queue`. */
  name: string;
  connection: string;
  queue: string;
  /** Jobs ready now. */
  length: number;
  /** Worker processes serving it. */
  processes: number;
  /** Seconds to clear it. */
  wait: number;
}
export type WorkloadResponse = WorkloadEntry[];

export interface DashboardSupervisor {
  name: string;
  /** The master it runs in. */
  master: string;
  connection: string;
  queues: string[];
  balance: 'simple' | 'auto' | false;
  status: 'running' | 'paused' | 'terminating';
  /** Live worker processes per pool: a queue, or the whole list (`"a,b"`) when balance is false. */
  processes: Record<string, number>;
  pids: number[];
}

export interface DashboardMaster {
  name: string;
  host: string;
  pid: number;
  environment: string;
  status: 'running' | 'paused' | 'terminating';
  /** Epoch ms. */
  startedAt: number;
  /** Resident memory, bytes. */
  memory: number;
  supervisors: DashboardSupervisor[];
}

/** `GET masters`: live masters keyed by name, in name order (Horizon's shape). `{}` when none runs. */
export type MastersResponse = Record<string, DashboardMaster>;

/** `POST jobs/retry/:id`: the failed record went and its job is queued again. */
export interface RetryResponse {
  /** Ids of the failed records retried (the job keeps its id). */
  retried: string[];
}

/** A batch, as Laravel's Batch serialises it. */
export interface DashboardBatch {
  id: string;
  name: string;
  totalJobs: number;
  pendingJobs: number;
  /** totalJobs − pendingJobs. */
  processedJobs: number;
  /** 0..100, whole percent. */
  progress: number;
  failedJobs: number;
  failedJobIds: string[];
  options: { allowFailures?: boolean; connection?: string; queue?: string; user?: Record<string, unknown> };
  /** ISO 8601. */
  createdAt: string;
  cancelledAt: string | null;
  finishedAt: string | null;
}

/** `GET batches?before_id=<id of the last batch shown>`: 50 batches, newest first. */
export interface BatchListResponse {
  batches: DashboardBatch[];
}

/** `GET batches/:id`. */
export interface BatchDetailResponse {
  batch: DashboardBatch;
  /** Records of its failed jobs that are still kept. */
  failedJobs: DashboardJob[];
}

/** `POST batches/retry/:id`. */
export type BatchRetryResponse = RetryResponse;

/** `GET metrics/jobs` (job names) and `GET metrics/queues` (`connection:queue` names), sorted. */
export type MeasuredResponse = string[];

/** One snapshot of `GET metrics/jobs/:name` or `GET metrics/queues/:name`, oldest first. */
export interface MetricSnapshotEntry {
  /** Jobs run in the snapshot's period. */
  throughput: number;
  /** Average runtime, SECONDS with 3 decimals (Horizon's). */
  runtime: number;
  /** Epoch seconds of the snapshot. */
  time: number;
  /** Queues only: seconds of wait at snapshot time. */
  wait?: number;
}
export type MetricSnapshotsResponse = MetricSnapshotEntry[];

/** `GET monitoring`: monitored tags with their job counts, sorted by tag. */
export type MonitoringResponse = { tag: string; count: number }[];

/** `POST monitoring` body. */
export interface MonitorTagRequest {
  tag: string;
}

/** `POST monitoring` and `DELETE monitoring/:tag` answer the tag. */
export interface MonitorTagResponse {
  tag: string;
}
