import type { SpanContext } from '@opentelemetry/api';
import { TRACEPARENT } from '../payload/payload-fields.validator';

/** A span context as the payload's `trace` field carries it: a W3C traceparent (55 characters). */
export function toTraceparent(context: SpanContext): string {
  return `00-${toSpanLink(context)}`;
}

/** The remote span context a payload's `trace` field names, or null when it names none. */
export function fromTraceparent(value: string | undefined): SpanContext | null {
  if (!value || !TRACEPARENT.test(value)) return null;
  return fromSpanLink(value.slice(3));
}

/**
 * A span context as a batch keeps it for its callbacks' links (`<trace id>-<span id>-<flags>`, 52 characters: a
 * traceparent without its version), and as a callback's payload carries it in `traceLinks`.
 */
export function toSpanLink(context: SpanContext): string {
  return `${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The remote span context of one entry of a payload's `traceLinks` (checked when the payload was read). */
export function fromSpanLink(value: string): SpanContext {
  return { traceId: value.slice(0, 32), spanId: value.slice(33, 49), traceFlags: parseInt(value.slice(50, 52), 16), isRemote: true };
}
