/** A job taken from a queue: the exact string now held in the queue's reservations, and its attempts. */
export interface ReservedJob {
  /** Queue it came from. */
  readonly queue: string;
  /** The payload as reserved (attempts already raised); it identifies the reservation. */
  readonly raw: string;
}

export interface QueueSizes {
  ready: number;
  delayed: number;
  reserved: number;
}

/** How a job ended, for its record (the dashboard's job records): absent = it succeeded (or was deleted). */
export interface AckOutcome {
  /** The job failed for good: its record moves to the failed list with this exception text. */
  failed?: { exception: string; /** The job's name, for a record made at failure (a payload no worker could read). */ name?: string };
}

/** How one push is made. */
export interface PushOptions {
  /** Resolve only once this many replicas hold the payload (Redis WAIT); default: the server's `replicas`. */
  replicas?: number;
}

/**
 * Where payloads live. One small contract, as Laravel's Queue: the Redis driver implements all of it,
 * and later drivers (database) will too. Payloads are opaque strings here.
 */
export interface QueueDriver {
  readonly connectionName: string;
  /** Seconds a reservation lasts before it is handed out again. */
  readonly retryAfter: number;
  /** Seconds a pop may block when idle, or null. */
  readonly blockFor: number | null;

  push(queue: string, payload: string, options?: PushOptions): Promise<void>;
  /** Pushes many payloads to one queue in one round trip. */
  pushMany(queue: string, payloads: string[]): Promise<void>;
  /** Makes the payload available after `delaySeconds` (fractions allowed). */
  later(queue: string, payload: string, delaySeconds: number, options?: PushOptions): Promise<void>;
  /**
   * Reserves up to `count` jobs, trying the queues strictly in order. When `ack` is given, that reservation is
   * removed first, in the same round trip (ack of one job + reservation of the next).
   */
  pop(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]>;
  /**
   * Waits up to `seconds` (inside Redis) for a push to any of the queues. Resolves early when one arrives, or when a
   * delayed job becomes the earliest due of the queues (the caller's next pop learns its due time).
   */
  waitForJobs(queues: readonly string[], seconds: number): Promise<void>;
  /**
   * Optional. When (ms since the epoch, this process's clock) the earliest delayed job of the queues is due, as the
   * last pop over them that found fewer jobs than asked saw it; null when none was. An idle worker waits no longer.
   * Without it the worker waits its `sleep` or `blockFor` (a driver may still end `waitForJobs` at a due time itself).
   */
  nextDueAt?(queues: readonly string[]): number | null;
  /**
   * Optional. A sleeping worker's sleep on a connection that does not block: `seconds`, ended early only when a
   * delayed job becomes the earliest due of the queues (never by a push). Without it the worker sleeps in-process.
   */
  waitForDue?(queues: readonly string[], seconds: number): Promise<void>;
  /**
   * Removes the reservation: the job is done (succeeded, deleted, or failed for good: then `outcome.failed`, so a
   * driver that keeps job records marks it failed in the same round trip).
   */
  ack(job: ReservedJob, outcome?: AckOutcome): Promise<void>;
  /** Returns the job to its queue after `delaySeconds`; false if the reservation had already expired. */
  release(job: ReservedJob, delaySeconds: number): Promise<boolean>;
  /** Extends reservations by retryAfter from now; returns the jobs whose reservation was already gone. */
  extend(jobs: readonly ReservedJob[]): Promise<ReservedJob[]>;
  size(queue: string): Promise<number>;
  sizes(queue: string): Promise<QueueSizes>;
  /** Deletes every job of the queue (ready, delayed, reserved); returns how many there were. */
  clear(queue: string): Promise<number>;
  /** Stops any blocking wait and frees what the driver holds. Shared clients are closed by their owner. */
  close(): Promise<void>;
}
