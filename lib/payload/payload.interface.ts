/** Current payload format version. Decoders accept every version up to this one. */
export const PAYLOAD_VERSION = 1;

/** Where a job is sent, as a chain or batch callback remembers it. */
export interface DescriptorPayload {
  /** Registered job name. */
  job: string;
  data: unknown;
  connection?: string;
  queue?: string;
  /** Seconds. */
  delay?: number;
  /** A nested chain travelling with this descriptor. */
  chain?: DescriptorPayload[];
  /** When set, this link of a chain is a batch, not a job (`job` and `data` are then unused). */
  batch?: BatchLinkPayload;
}

/** A batch standing in a chain: created when the chain reaches it; the chain goes on when it finishes. */
export interface BatchLinkPayload {
  name: string;
  /** Jobs of the batch; an array is a chain inside the batch. */
  jobs: (DescriptorPayload | DescriptorPayload[])[];
  allowFailures?: boolean;
  then?: DescriptorPayload[];
  catch?: DescriptorPayload[];
  finally?: DescriptorPayload[];
  connection?: string;
  queue?: string;
  user?: Record<string, unknown>;
}

/** The error a catch job (batch catch, chain catch) was sent for. */
export interface CausePayload {
  name: string;
  message: string;
}

/**
 * A job on the wire. Fields at their default are left out, so a small job stays small in Redis.
 * `v` is always written first and `attempts` right after it (left out while it is 0): the reserve script
 * inserts `"attempts":1` after `{"v":N,` or raises the count there by rewriting that prefix, never by decoding
 * the JSON.
 */
export interface JobPayload {
  v: number;
  /** Reservations so far; 0 when pushed (and then not written). */
  attempts: number;
  /** The job's id everywhere: JobContext.id, the failed record's id, a batch's failedJobIds. A UUID v7 (time-ordered). */
  uuid: string;
  /** Registered job name. */
  job: string;
  /** Human name when it differs from `job`. */
  displayName?: string;
  data: unknown;
  maxTries?: number;
  maxExceptions?: number;
  /** Seconds, one per attempt, the last repeating. */
  backoff?: number[];
  /** Seconds. */
  timeout?: number;
  failOnTimeout?: boolean;
  /** Epoch seconds. */
  retryUntil?: number;
  /** Epoch seconds. Absent when it equals the time encoded in the UUID v7. */
  createdAt?: number;
  /** Seconds the dispatch asked to wait. */
  delay?: number;
  batchId?: string;
  chain?: DescriptorPayload[];
  chainCatch?: DescriptorPayload;
  /** Connection and queue the chain's later jobs default to. */
  chainConnection?: string;
  chainQueue?: string;
  tags?: string[];
  /** When set, `data` holds the ciphertext (base64) of the JSON data. */
  encrypted?: boolean;
  /** Unique-lock key to release on success or final failure ('processing': before handle). */
  uniqueKey?: string;
  uniqueUntil?: 'processing';
  deleteWhenMissing?: boolean;
  /** A batch callback (then/catch/finally): it names its batch but does not count in it. */
  batchCallback?: boolean;
  /** For catch jobs: the error that set them off. */
  cause?: CausePayload;
}
