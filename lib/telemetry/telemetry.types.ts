import type { JobPayload } from '../payload/payload.interface';

// The telemetry's own types, free of @opentelemetry/api types: the bus and the worker name them, and their
// declarations must compile in an app that does not have the optional peer installed.

/** What the dispatch path knows of a job before it is built. */
export interface SendRequest {
  batchId?: string;
  batchCallback?: boolean;
  chain?: readonly unknown[];
  delay?: number;
}

/** A job once built: where it goes. */
export interface SentJob {
  uuid: string;
  name: string;
  connection: string;
  queue: string;
}

/** What an attempt's telemetry reads of the running job (the worker's RunningJob). */
export interface AttemptJob {
  readonly id: string;
  readonly name: string;
  readonly connection: string;
  readonly queue: string;
  readonly attempts: number;
  readonly maxTries: number;
  readonly payload: JobPayload;
  readonly outcome: { kind: string; delay?: number };
  hasFailed(): boolean;
}

/** How the worker's run of an attempt ended (JobRunner's ProcessResult). */
export type AttemptResult = 'done' | 'handled' | 'stuck';

/** What the worker tells an attempt's telemetry while it runs. */
export interface AttemptRecorder {
  /** The handler (or a middleware) threw; `deleted` when the job is deleted for it (deleteWhenMissing). */
  threw(error: Error, deleted?: boolean): void;
  /** The job failed without running (out of tries or past retryUntil). */
  refused(error: Error): void;
  timedOut(error: Error): void;
}
