/** One failed job, as Laravel's failed_jobs row. */
export interface FailedJobRecord {
  /** The job's uuid. */
  id: string;
  connection: string;
  queue: string;
  /** The payload exactly as it was in the queue (JSON text; may be malformed when that is why it failed). */
  payload: string;
  /** The error's name, message and stack. */
  exception: string;
  failedAt: Date;
}

/**
 * Where failed jobs are kept. Implementations: database (knex), redis, null.
 * `log` is idempotent on `id`: logging the same id again replaces the record (a worker that died between
 * writing the record and removing the reservation must not leave two records).
 */
export interface FailedJobStore {
  log(record: FailedJobRecord): Promise<void>;
  /** Newest first. */
  all(): Promise<FailedJobRecord[]>;
  find(id: string): Promise<FailedJobRecord | null>;
  /** Ids, newest first, optionally only of one queue. */
  ids(queue?: string): Promise<string[]>;
  /** True when a record was removed. */
  forget(id: string): Promise<boolean>;
  /** Removes every record, or those older than `hours`. Returns how many were removed. */
  flush(hours?: number): Promise<number>;
  /** Removes records that failed before `before`. Returns how many were removed. */
  prune(before: Date): Promise<number>;
  /** Creates the table (database driver) if it is missing; a no-op elsewhere. */
  setup(): Promise<void>;
  close(): Promise<void>;
}
