/** Current payload format version. Decoders accept every version up to this one. */
export const PAYLOAD_VERSION = 2;

/** The version plain (unencrypted) payloads are written with: unchanged since 1, so older workers still read them. */
export const PLAIN_PAYLOAD_VERSION = 1;

/**
 * Encrypted payloads are written with version 2: their ciphertext is bound to the job's name and id (AES-GCM
 * additional data). Version 1 ciphertext is not bound, so it is refused (see README, Encrypted jobs).
 */
export const BOUND_ENCRYPTION_VERSION = 2;

/**
 * The most span contexts a batch keeps of its jobs' process spans (the first to end) and a callback's payload
 * carries in `traceLinks`: OpenTelemetry SDKs keep 128 links per span by default.
 */
export const MAX_TRACE_LINKS = 128;

/**
 * What a job's @Job options said when it was described (for a chain or a batch), so a process that does not
 * have the class registered can still send it: only the app that runs a job needs its class.
 */
export interface DescribedJobOptions {
  tries?: number;
  maxExceptions?: number;
  /** Seconds per attempt. */
  backoff?: number[];
  timeout?: number;
  failOnTimeout?: boolean;
  /** Seconds after the link is sent that its retryUntil falls (the class's retryUntil, measured at describe time). */
  retryFor?: number;
  tags?: string[];
  encrypted?: boolean;
  deleteWhenMissing?: boolean;
  /** The unique lock's id (already computed from the data), lifetime and release point. */
  unique?: { id: string; for?: number; until?: 'processed' | 'processing' };
  /** The class's own connection and queue. */
  connection?: string;
  queue?: string;
}

/** Where a job is sent, as a chain or batch callback remembers it. */
export interface DescriptorPayload {
  /** Registered job name. */
  job: string;
  /** The job's data; ciphertext (base64) when `encrypted`. */
  data: unknown;
  /** Set when `data` is encrypted: then bound to `job` and `id`. */
  encrypted?: boolean;
  /** The descriptor's own id (what its ciphertext is bound to); the job gets a new id when it is sent. */
  id?: string;
  /** The class's options, for a process that does not have it registered. */
  options?: DescribedJobOptions;
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
  /**
   * The W3C `traceparent` of the span that sent the job (`00-<trace id>-<span id>-<flags>`), so the worker's span
   * continues the sender's trace. Written only while an OpenTelemetry SDK is registered; kept through releases.
   */
  trace?: string;
  /**
   * A batch callback's: the process spans of the batch's jobs (up to MAX_TRACE_LINKS, the first to end), as
   * `<trace id>-<span id>-<flags>`, so the callback's span links to them. Written only while an SDK traces.
   */
  traceLinks?: string[];
}
