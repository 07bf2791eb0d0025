import { Injectable, BeforeApplicationShutdown } from '@nestjs/common';
import { QueueManager } from '../drivers/queue-manager';
import { queueName } from '../config/queue-names';
import { otelApi, OtelApi } from './otel-api';
import { TracerSource } from './otel-sources';
import { JobMetrics } from './job-metrics';
import { SendSpan } from './send-span';
import { JobAttempt, NO_ATTEMPT } from './job-attempt';
import type { AttemptJob, AttemptRecorder, AttemptResult, SendRequest, SentJob } from './telemetry.types';

/** What the dispatch path hands a built job's identity to, and takes the trace context from. */
export interface SendTrace {
  /** The W3C traceparent the call's payloads carry; undefined while no SDK traces. */
  readonly traceparent: string | undefined;
  describe(jobs: readonly SentJob[]): void;
}

/**
 * OpenTelemetry for the queue (README, Observability): the dispatch path and the worker call in here, and nothing
 * is recorded — one look at the API's global providers per call — while no OpenTelemetry SDK is registered or
 * `@opentelemetry/api` is not installed.
 */
@Injectable()
export class QueueTelemetry implements BeforeApplicationShutdown {
  private readonly api: OtelApi | null = otelApi();
  private readonly tracers = new TracerSource();
  private readonly metrics: JobMetrics;

  constructor(manager: QueueManager) {
    this.metrics = new JobMetrics((connection, queue) =>
      manager.settings(connection).driver === 'sync' ? null : manager.connection(connection).sizes(queue),
    );
  }

  beforeApplicationShutdown(): void {
    this.metrics.close();
  }

  /**
   * Runs one dispatch call (one job, or many sent together) inside its producer span `send <queue>`; `fn` gets
   * the span (its `traceparent` goes into every payload of the call), or null while no SDK is registered.
   */
  send<T>(requests: readonly SendRequest[], fn: (span: SendTrace | null) => Promise<T>): Promise<T> {
    const tracer = this.tracers.current();
    const metered = this.metrics.active(); // also picks up a metrics SDK registered since the last call
    const api = this.api;
    if (!tracer || !api) return fn(metered ? this.queueNotes : null);
    const span = new SendSpan(api, tracer, requests, (connection, queue) => this.metrics.noteQueue(connection, queue));
    return api.context.with(span.context, () => fn(span)).then(
      (result) => {
        span.sent(result);
        return result;
      },
      (error: unknown) => {
        span.failed(error);
        throw error;
      },
    );
  }

  /** A worker is about to serve these queues: the size gauge reports them from now on (while metrics are recorded). */
  serving(connection: string, queues: readonly string[]): void {
    if (!this.metrics.active()) return;
    for (const queue of queues) this.metrics.noteQueue(connection, queueName(queue));
  }

  /** A dispatch's telemetry while metrics are recorded but traces are not: the queues it sends to, for the gauge. */
  private readonly queueNotes: SendTrace = {
    traceparent: undefined,
    describe: (jobs) => {
      for (const job of jobs) this.metrics.noteQueue(job.connection, job.queue);
    },
  };

  /**
   * Runs one attempt of a job inside its consumer span `process <queue>` and records its metrics; `body` gets the
   * recorder to report exceptions and timeouts to. While nothing records, `body`'s promise is returned as it is:
   * no span, no context, no attributes, not even an async frame of this method's own.
   */
  attempt(job: AttemptJob, backoff: () => number, body: (recorder: AttemptRecorder) => Promise<AttemptResult>): Promise<AttemptResult> {
    const tracer = this.tracers.current();
    const metered = this.metrics.active(); // also picks up a metrics SDK registered since the last call
    const api = this.api;
    if (!api || (!tracer && !metered)) return body(NO_ATTEMPT);
    return this.recorded(api, new JobAttempt(api, tracer, this.metrics, job, backoff, false), body, (result) => result);
  }

  /**
   * Runs a job in this process now (dispatchSync, a `sync` connection's push) inside its span `process <queue>`:
   * a child of the span that sent it (the sync connection) or of the active span (dispatchSync). `body` resolves to
   * the error the job failed with (the caller throws it once the span is ended), or null.
   */
  inline(job: AttemptJob, body: (recorder: AttemptRecorder) => Promise<Error | null>): Promise<Error | null> {
    const tracer = this.tracers.current();
    const metered = this.metrics.active(); // also picks up a metrics SDK registered since the last call
    const api = this.api;
    if (!api || (!tracer && !metered)) return body(NO_ATTEMPT);
    return this.recorded(api, new JobAttempt(api, tracer, this.metrics, job, () => 0, true), body, () => 'done');
  }

  private async recorded<T>(
    api: OtelApi, attempt: JobAttempt, body: (recorder: AttemptRecorder) => Promise<T>, result: (value: T) => AttemptResult,
  ): Promise<T> {
    let value: T;
    try {
      value = attempt.context ? await api.context.with(attempt.context, () => body(attempt)) : await body(attempt);
    } catch (error) {
      attempt.interrupted(error);
      throw error;
    }
    attempt.finish(result(value));
    return value;
  }
}
