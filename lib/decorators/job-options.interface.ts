/** Options of @Job(), as a Laravel job's properties. */
export interface JobOptions<T = unknown> {
  /** Name on the wire; default the class name. */
  name?: string;
  /** Attempts before the job fails for good; 0 = unlimited. Default: the worker's --tries (1). */
  tries?: number;
  /** Seconds a run may take. Default: the worker's --timeout (60). */
  timeout?: number;
  /** Fail for good once the job has thrown this many times (releases do not count). */
  maxExceptions?: number;
  /** Seconds before a retry: one value, or one per attempt with the last repeating. */
  backoff?: number | number[];
  /** Keep retrying until this time (wins over tries). Computed at dispatch. */
  retryUntil?: (data: T) => Date | number;
  /** Fail for good (rather than release) when the job times out. */
  failOnTimeout?: boolean;
  /** One job per lock at a time: `id` names the lock (default: one lock per job name). */
  unique?: { id?: (data: T) => string; for?: number; until?: 'processed' | 'processing' };
  /** Encrypt `data` in the queue (needs `key` in the queue config). */
  encrypted?: boolean;
  /** Tags for monitoring. */
  tags?: (data: T) => string[];
  /** Delete the job quietly when the handler throws a missing-record error. */
  deleteWhenMissing?: boolean;
}
