import { inspect } from 'node:util';
import { otelApi } from './otel-api';

/** The job a log line is about. */
export interface LoggedJob {
  id: string;
  name: string;
  queue: string;
  attempts: number;
}

/**
 * A log line about one job, for Nest's Logger: Nest's console logger prints its text (as before), while loggers
 * that read objects (nestjs-pino, nest-winston, Nest's console logger with `json: true`) get the job's id, name,
 * connection, queue and attempt as fields, and the trace and span id while a span is active. It never holds job data.
 */
export class JobLogLine {
  readonly jobId: string;
  readonly jobName: string;
  readonly connection: string;
  readonly queue: string;
  readonly attempt: number;
  readonly traceId?: string;
  readonly spanId?: string;

  constructor(readonly message: string, job: LoggedJob, connection: string) {
    this.jobId = job.id;
    this.jobName = job.name;
    this.connection = connection;
    this.queue = job.queue;
    this.attempt = job.attempts;
    const api = otelApi();
    const span = api?.trace.getActiveSpan();
    if (api && span) {
      const context = span.spanContext();
      if (api.isSpanContextValid(context)) {
        this.traceId = context.traceId;
        this.spanId = context.spanId;
      }
    }
  }

  toString(): string {
    return this.message;
  }

  [inspect.custom](): string {
    return this.message;
  }
}
