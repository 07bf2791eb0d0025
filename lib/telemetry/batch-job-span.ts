import { otelApi } from './otel-api';
import { currentJobOrigin } from './job-origin';
import { toSpanLink } from './trace-context';

/**
 * The span of the running attempt of a job of batch `batchId` (`process <queue>`), as the batch keeps it for its
 * callbacks' links (`<trace id>-<span id>-<flags>`); undefined while no SDK traces that attempt (no span was made),
 * when the sampler dropped it (a link to it would point at nothing), or outside an attempt. Called as the batch
 * records the job's success or failure, inside the attempt.
 */
export function batchJobSpan(batchId: string): string | undefined {
  const api = otelApi();
  if (!api) return undefined;
  const origin = currentJobOrigin(api, api.context.active());
  if (!origin || origin.batchId !== batchId) return undefined;
  const span = origin.span;
  if (!api.isSpanContextValid(span) || (span.traceFlags & api.TraceFlags.SAMPLED) === 0) return undefined;
  return toSpanLink(span);
}
