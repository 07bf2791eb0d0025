import { SPAN_LINK } from '../payload/payload-fields.validator';

/**
 * A job's process span as a batch store keeps it in `jobSpans` (`<trace id>-<span id>-<flags>`, 52 characters,
 * see lib/telemetry/batch-job-span.ts), or undefined when there is none or it is not of that form: the stores
 * count the spans they hold by the length of their text, so they only ever keep that form.
 */
export function keptSpan(span: string | undefined): string | undefined {
  return span !== undefined && SPAN_LINK.test(span) ? span : undefined;
}

/** What separates the spans in a store's one text field of them. */
export const JOB_SPAN_SEPARATOR = ' ';

/** The length of one kept span and the separator after it: a field of n spans is n × this − 1 long. */
export const JOB_SPAN_ENTRY = 53;
