import { Job, JobContext } from '../../../lib';

/** What a handler saw of the trace it ran in, sent to the test (over IPC from a forked worker). */
export interface HandlerSighting {
  id: string;
  attempt: number;
  /** Whether `@opentelemetry/api` could be loaded in the process that ran it. */
  api: boolean;
  traceId?: string;
  spanId?: string;
}

type Api = typeof import('@opentelemetry/api');

function loadApi(): Api | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as Api;
  } catch {
    return null;
  }
}

export const sightings: HandlerSighting[] = [];

function report(sighting: HandlerSighting): void {
  sightings.push(sighting);
  if (process.send) process.send({ sighting });
}

/**
 * Does its work in a span of its own (when the OpenTelemetry API is there), reports the trace it ran in, and
 * throws on its first `failTimes` attempts.
 */
@Job({ name: 'otel-traced', tries: 3, backoff: 0 })
export class TracedJob {
  async handle(data: { failTimes?: number }, job: JobContext<{ failTimes?: number }>): Promise<void> {
    const api = loadApi();
    const active = api?.trace.getActiveSpan()?.spanContext();
    report({ id: job.id, attempt: job.attempts, api: api !== null, traceId: active?.traceId, spanId: active?.spanId });
    if (api) api.trace.getTracer('app').startActiveSpan('charge card', (span) => span.end());
    if (job.attempts <= (data.failTimes ?? 0)) throw new Error(`attempt ${job.attempts} of a flaky job`);
  }
}

/** A batch's callbacks, one class each, so their spans say which ran. */
@Job({ name: 'otel-batch-then' })
export class BatchThenJob {
  async handle(): Promise<void> {}
}

@Job({ name: 'otel-batch-catch' })
export class BatchCatchJob {
  async handle(): Promise<void> {}
}

@Job({ name: 'otel-batch-finally' })
export class BatchFinallyJob {
  async handle(): Promise<void> {}
}

/** Every job the traced worker runs. */
export const TRACED_JOBS = [TracedJob, BatchThenJob, BatchCatchJob, BatchFinallyJob];
