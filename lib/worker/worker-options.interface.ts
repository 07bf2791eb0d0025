/** Options of Worker.run(), as `php artisan queue:work` has them. */
export interface WorkerOptions {
  /** Connection name; default: the configured default connection. */
  connection?: string;
  /** Comma list of queues, or the name of a list under `queues`; default: the connection's queue. Served strictly in order. */
  queue?: string;
  /** Jobs in hand at once. Default 1. */
  concurrency?: number;
  /** Tries for jobs that do not set their own; 0 = unlimited. Default 1. */
  tries?: number;
  /** Seconds, for jobs that do not set their own. Default 60. */
  timeout?: number;
  /**
   * Seconds to sleep when no job is available and the connection does not block. Default 3. Never past the due time
   * of the earliest delayed job of the queues; a delayed job that comes due sooner ends it early.
   */
  sleep?: number;
  /**
   * Seconds an idle pop may block inside Redis, for this worker (Horizon's `block`); null = do not block, sleep
   * instead. Default: the connection's `blockFor`.
   */
  blockFor?: number | null;
  /** Seconds to wait before retrying a job that threw, for jobs without their own backoff. Default 0. */
  backoff?: number | number[];
  /** Stop after this many jobs. 0 = no limit. */
  maxJobs?: number;
  /** Stop after this many seconds. 0 = no limit. */
  maxTime?: number;
  /** Stop (exit code 12) when the process's memory passes this many MB. Default 128. */
  memory?: number;
  /** Seconds to rest after each job. Default 0. */
  rest?: number;
  /** Process one job (or none) and stop. */
  once?: boolean;
  /** Stop at the first pop that finds every queue empty (also on a blocking connection; jobs not yet due do not count). */
  stopWhenEmpty?: boolean;
  /** Register SIGTERM/SIGINT handlers that stop the worker gracefully. Default true when run from the CLI. */
  handleSignals?: boolean;
  /** Seconds a handler that ignores its timeout (job.signal) gets to settle; then the worker stops with 'timeout'. Default 2. */
  timeoutGrace?: number;
}

export type WorkerStopReason =
  | 'once'
  | 'empty'
  | 'max-jobs'
  | 'max-time'
  | 'memory'
  | 'restart'
  | 'signal'
  | 'stopped'
  | 'connection-lost'
  | 'timeout';

export const WORKER_EXIT_CODES: Record<WorkerStopReason, number> = {
  once: 0,
  empty: 0,
  'max-jobs': 0,
  'max-time': 0,
  memory: 12,
  restart: 0,
  signal: 0,
  stopped: 0,
  'connection-lost': 1,
  timeout: 1,
};
