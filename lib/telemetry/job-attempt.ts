import type { Attributes, Context, Link, Span, Tracer } from '@opentelemetry/api';
import type { JobPayload } from '../payload/payload.interface';
import type { AttemptJob, AttemptRecorder, AttemptResult } from './telemetry.types';
import type { OtelApi } from './otel-api';
import type { JobMetrics } from './job-metrics';
import { ATTR, AttemptOutcome, MESSAGING_SYSTEM } from './telemetry.attributes';
import { fromSpanLink, fromTraceparent } from './trace-context';
import { withJobOrigin } from './job-origin';

/** The recorder while nothing is recorded. */
export const NO_ATTEMPT: AttemptRecorder = {
  threw: () => undefined,
  refused: () => undefined,
  timedOut: () => undefined,
};

/**
 * One attempt of one job: the consumer span `process <queue>` (a child of the span that sent the job, in whatever
 * process that was; every retry of the job is another child of it) and the attempt's metrics.
 */
export class JobAttempt implements AttemptRecorder {
  private readonly span: Span | null = null;
  readonly context: Context | null = null;
  private readonly started = performance.now();
  private error: Error | null = null;
  private deleted = false;
  private didTimeOut = false;

  constructor(
    private readonly api: OtelApi,
    tracer: Tracer | null,
    private readonly metrics: JobMetrics,
    private readonly job: AttemptJob,
    private readonly backoff: () => number,
    /** Run in this process at once (dispatchSync, the sync connection): no queue to gauge, no wait to time. */
    inline: boolean,
  ) {
    const p = job.payload;
    if (tracer) {
      const origin = fromTraceparent(p.trace);
      const active = api.context.active();
      const parent = origin ? api.trace.setSpanContext(active, origin) : active;
      const attributes: Attributes = {
        [ATTR.system]: MESSAGING_SYSTEM,
        [ATTR.operationType]: 'process',
        [ATTR.operationName]: 'process',
        [ATTR.destination]: job.queue,
        [ATTR.messageId]: job.id,
        [ATTR.jobName]: job.name,
        [ATTR.connection]: job.connection,
        [ATTR.attempt]: job.attempts,
        [ATTR.maxTries]: job.maxTries,
      };
      if (p.batchId) attributes[ATTR.batchId] = p.batchId;
      if (p.batchCallback) attributes[ATTR.batchCallback] = true;
      const links = p.traceLinks ? batchJobLinks(p.traceLinks) : undefined;
      this.span = tracer.startSpan(`process ${job.queue}`, { kind: api.SpanKind.CONSUMER, attributes, links }, parent);
      this.context = withJobOrigin(api, api.trace.setSpan(parent, this.span), {
        context: origin, batchId: p.batchId, span: this.span.spanContext(),
      });
    }
    if (inline) return;
    metrics.noteQueue(job.connection, job.queue);
    const waited = job.attempts <= 1 ? secondsPastDue(p) : null;
    if (waited !== null) metrics.waited(job.connection, job.queue, job.name, waited);
  }

  threw(error: Error, deleted = false): void {
    this.error = error;
    this.deleted = deleted;
    this.span?.recordException(error);
  }

  refused(error: Error): void {
    this.error = error;
    this.span?.recordException(error);
  }

  timedOut(error: Error): void {
    this.didTimeOut = true;
    this.error = error;
    this.span?.recordException(error);
  }

  /** Ends the span and records the metrics for how the attempt ended. */
  finish(result: AttemptResult): void {
    const job = this.job;
    const failed = job.hasFailed();
    const { outcome, delay } = this.outcome(result, failed);
    const requested = job.outcome.kind === 'failed' ? (job.outcome as { error?: Error }).error : undefined;
    const error = failed ? requested ?? this.error : this.error;
    const errorType = error && (failed || this.error) ? error.name : undefined;
    const span = this.span;
    if (span) {
      span.setAttribute(ATTR.outcome, outcome);
      if (delay !== undefined) span.setAttribute(ATTR.releaseDelay, delay);
      if (requested && requested !== this.error) span.recordException(requested);
      if (errorType) span.setAttribute(ATTR.errorType, errorType);
      if (outcome === 'failed' || outcome === 'timed_out' || (this.error && !this.deleted)) {
        span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error?.message ?? outcome });
      }
      span.end();
    }
    this.metrics.attempt({
      connection: job.connection, queue: job.queue, job: job.name, outcome,
      duration: (performance.now() - this.started) / 1000, failed, errorType,
    });
  }

  /** The run threw past the worker (Redis or the failed store down mid-job): the reservation stays. */
  interrupted(error: unknown): void {
    const span = this.span;
    if (!span) return;
    const e = error instanceof Error ? error : new Error(String(error));
    span.recordException(e);
    span.setAttribute(ATTR.errorType, e.name);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: e.message });
    span.end();
  }

  private outcome(result: AttemptResult, failed: boolean): { outcome: AttemptOutcome; delay?: number } {
    const job = this.job;
    if (result === 'stuck') return { outcome: 'timed_out' };
    if (failed) return { outcome: 'failed' };
    if (this.didTimeOut) return { outcome: 'timed_out', delay: this.backoff() };
    const kind = job.outcome.kind;
    if (kind === 'deleted' || this.deleted) return { outcome: 'deleted' };
    if (kind === 'released') return { outcome: 'released', delay: job.outcome.delay ?? 0 };
    if (this.error) return { outcome: 'released', delay: this.backoff() };
    return { outcome: 'succeeded' };
  }
}

/** What a batch callback's span links to: the process spans of the batch's jobs (its payload's `traceLinks`). */
const BATCH_JOB_LINK: Attributes = Object.freeze({ [ATTR.link]: 'batch_job' });

function batchJobLinks(traceLinks: readonly string[]): Link[] {
  return traceLinks.map((link) => ({ context: fromSpanLink(link), attributes: BATCH_JOB_LINK }));
}

/**
 * Seconds from when the job was due (dispatched, plus its delay) to now; 0 when it started on time; null when the
 * payload does not say when it was dispatched.
 */
function secondsPastDue(p: JobPayload): number | null {
  const dispatchedMs = p.createdAt !== undefined ? p.createdAt * 1000 : uuidV7Millis(p.uuid);
  if (dispatchedMs === null) return null;
  return Math.max(0, Date.now() - dispatchedMs - (p.delay ?? 0) * 1000) / 1000;
}

function uuidV7Millis(uuid: string): number | null {
  const ms = parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
  return Number.isFinite(ms) && uuid[14] === '7' ? ms : null;
}
