import type { Attributes, Context, Link, Span, Tracer } from '@opentelemetry/api';
import type { OtelApi } from './otel-api';
import { ATTR, MESSAGING_SYSTEM } from './telemetry.attributes';
import { toTraceparent } from './trace-context';
import { currentJobOrigin } from './job-origin';
import type { SendRequest, SentJob } from './telemetry.types';



/**
 * The producer span of one dispatch call (`send <queue>`): one span per call, as the messaging conventions ask of
 * a batch send, with `messaging.batch.message_count` when it sends more than one job; every job of the call
 * carries its context. A batch callback's span links to the batch's dispatch (the parent of every batch job's
 * span) and is a child of the span of the job that finished the batch.
 */
export class SendSpan {
  readonly traceparent: string | undefined;
  readonly context: Context;
  private readonly span: Span;

  constructor(
    private readonly api: OtelApi,
    tracer: Tracer,
    requests: readonly SendRequest[],
    private readonly onQueue: (connection: string, queue: string) => void,
  ) {
    const active = api.context.active();
    const attributes: Attributes = {
      [ATTR.system]: MESSAGING_SYSTEM, [ATTR.operationType]: 'send', [ATTR.operationName]: 'send',
    };
    const first = requests[0];
    if (requests.length !== 1) attributes[ATTR.batchCount] = requests.length;
    if (first?.batchId && requests.every((r) => r.batchId === first.batchId)) attributes[ATTR.batchId] = first.batchId;
    if (first?.batchCallback) attributes[ATTR.batchCallback] = true;
    if (requests.length === 1 && first?.chain?.length) attributes[ATTR.chainLength] = first.chain.length + 1;
    if (requests.length === 1 && first?.delay) attributes[ATTR.delay] = first.delay;
    const links: Link[] = [];
    const origin = first?.batchCallback ? currentJobOrigin(api, active) : undefined;
    if (origin?.context && origin.batchId === first?.batchId) {
      links.push({ context: origin.context, attributes: { [ATTR.link]: 'batch' } });
    }
    this.span = tracer.startSpan('send', { kind: api.SpanKind.PRODUCER, attributes, links }, active);
    const spanContext = this.span.spanContext();
    this.traceparent = api.isSpanContextValid(spanContext) ? toTraceparent(spanContext) : undefined;
    this.context = api.trace.setSpan(active, this.span);
  }

  /** Names the span after the jobs' queue (one queue: `send <queue>`, as the conventions name it). */
  describe(jobs: readonly SentJob[]): void {
    for (const job of jobs) this.onQueue(job.connection, job.queue);
    const first = jobs[0];
    if (!first) return;
    const oneQueue = jobs.every((j) => j.queue === first.queue && j.connection === first.connection);
    if (oneQueue) {
      this.span.updateName(`send ${first.queue}`);
      this.span.setAttribute(ATTR.destination, first.queue);
      this.span.setAttribute(ATTR.connection, first.connection);
    }
    if (jobs.length === 1) {
      this.span.setAttribute(ATTR.messageId, first.uuid);
      this.span.setAttribute(ATTR.jobName, first.name);
    } else if (jobs.every((j) => j.name === first.name)) {
      this.span.setAttribute(ATTR.jobName, first.name);
    }
  }

  /** Ends the span with what the dispatch resolved to. */
  sent(result: unknown): void {
    if (result === null) this.span.setAttribute(ATTR.uniqueLockHeld, true);
    this.span.end();
  }

  failed(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.span.recordException(e);
    this.span.setAttribute(ATTR.errorType, e.name);
    this.span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: e.message });
    this.span.end();
  }
}
