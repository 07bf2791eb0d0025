import type { Context, SpanContext } from '@opentelemetry/api';
import type { OtelApi } from './otel-api';

/** What the running job was sent from, kept in the context of its attempt. */
export interface JobOrigin {
  /** The span that sent the job (from its payload), if it names one. */
  context: SpanContext | null;
  batchId?: string;
  /** The job's own span (`process <queue>`) of this attempt: what its batch keeps for the callbacks' links. */
  span: SpanContext;
}

let key: symbol | undefined;

function originKey(api: OtelApi): symbol {
  return (key ??= api.createContextKey('nestjs-queue job origin'));
}

export function withJobOrigin(api: OtelApi, context: Context, origin: JobOrigin): Context {
  return context.setValue(originKey(api), origin);
}

export function currentJobOrigin(api: OtelApi, context: Context): JobOrigin | undefined {
  return context.getValue(originKey(api)) as JobOrigin | undefined;
}
