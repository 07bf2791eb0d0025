/**
 * The contract between the job-records store (written by the Redis driver's scripts, on the round trips the worker
 * makes anyway) and the dashboard that reads it: Horizon's JobRepository / TagRepository, read side.
 * The records owner may add to these types; the dashboard's controllers depend only on what is here.
 */

export type JobRecordStatus = 'pending' | 'reserved' | 'completed' | 'failed';

/** One job's record, as Horizon's job hash. Times are epoch milliseconds. */
export interface JobRecord {
  /** The job's uuid (also its failed-store id). */
  id: string;
  /** The registered job name. */
  name: string;
  connection: string;
  /** The queue's name as the user wrote it (without the `queues:{...}` key form). */
  queue: string;
  tags: string[];
  status: JobRecordStatus;
  /** Attempts made so far. */
  attempts: number;
  /** True when the job is encrypted: then `data` is absent. */
  encrypted: boolean;
  /** The job's data, decoded (absent for encrypted jobs and for payloads that could not be decoded). */
  data?: unknown;
  /** The payload text as queued (absent for encrypted jobs). */
  payload?: string;
  /** True when the job's class is in `horizon.silenced` (or marked silenced). */
  silenced: boolean;
  batchId?: string;
  /** Names of the chain links still to run after this job, in order. */
  chained?: string[];
  pushedAt: number;
  /** When it becomes available (delayed jobs). */
  availableAt?: number;
  reservedAt?: number;
  completedAt?: number;
  failedAt?: number;
  /** The error's name, message and stack (failed records). */
  exception?: string;
  /** Ids of the jobs a retry of this failed record dispatched, with when. */
  retriedBy?: { id: string; status: JobRecordStatus; retriedAt: number }[];
  /** Its place in the list it was read from (0 = newest): pass it as `startingAt` to read the records after it. */
  index?: number;
}

/** A page of records: `startingAt` is the index of the first record after which to read (Horizon's `starting_at`). */
export interface JobRecordPage {
  jobs: JobRecord[];
  total: number;
}

export interface PageRequest {
  /** Read records after this index (-1 or absent: from the newest). */
  startingAt?: number;
  /** Records per page (default 50, Horizon's). */
  limit?: number;
}

/** A monitored tag and how many jobs it holds. */
export interface MonitoredTag {
  tag: string;
  count: number;
}

export interface JobRecordsReader {
  /**
   * Jobs not yet finished, read from the queues themselves: those in progress (reserved, latest first), the ready
   * ones newest first, then the delayed ones soonest due first, each merged over the queues by time.
   */
  pending(page?: PageRequest): Promise<JobRecordPage>;
  /** Jobs that succeeded (silenced ones left out), newest first. */
  completed(page?: PageRequest): Promise<JobRecordPage>;
  /** Silenced jobs that succeeded, newest first. */
  silenced(page?: PageRequest): Promise<JobRecordPage>;
  /** Failed jobs, newest first; with `tag`, only those carrying it. */
  failed(page?: PageRequest & { tag?: string }): Promise<JobRecordPage>;
  /**
   * The record of a job that ended (within its trim), or of a waiting job that carries a monitored tag or is a
   * failed job's retry; null for other waiting jobs (they have no record: pending() shows them) and unknown ids.
   */
  find(id: string): Promise<JobRecord | null>;
  /** Records of jobs that failed in the last `minutes` (the dashboard's "failed in the last 7 days"). */
  countRecentlyFailed(minutes: number): Promise<number>;
  /** Jobs that succeeded (completed and silenced) in the last `minutes`. */
  countRecentlyCompleted(minutes: number): Promise<number>;
  monitored(): Promise<MonitoredTag[]>;
  /** Starts keeping the jobs of `tag` (for `trim.monitored` minutes). */
  monitor(tag: string): Promise<void>;
  /** Stops monitoring `tag` and forgets its job list. */
  stopMonitoring(tag: string): Promise<void>;
  /** Jobs of a monitored tag, newest first. */
  byTag(tag: string, page?: PageRequest): Promise<JobRecordPage>;
  /** Marks a failed record as retried by a new job id (the dashboard's retry). */
  markRetried(failedId: string, newId: string): Promise<void>;
}
