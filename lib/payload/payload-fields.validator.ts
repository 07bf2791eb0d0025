import { InvalidPayloadError } from '../errors';
import { MAX_TRACE_LINKS } from './payload.interface';
import type { BatchLinkPayload, DescribedJobOptions, DescriptorPayload, JobPayload } from './payload.interface';

/** A W3C traceparent of version 00 with a non-zero trace id and span id (the payload's `trace` field). */
export const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A span context as a traceparent without its version (an entry of the payload's `traceLinks`). */
export const SPAN_LINK = /^(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Checks every control field of a payload read from a queue for type and range before anything uses it, so a
 * payload someone else wrote cannot make a job run forever, poison a Redis script or crash the worker. The
 * error names the field and the job (name, id, attempt), never the job's data.
 */
export function assertPayloadFields(p: JobPayload): void {
  const bad = (field: string, problem: string): never => {
    throw new InvalidPayloadError(
      `The payload of ${p.job} (id ${p.uuid}, attempt ${typeof p.attempts === 'number' ? p.attempts : '?'}) has a bad "${field}": ${problem}.`,
    );
  };
  const check = new FieldCheck(bad);
  check.count('attempts', p.attempts);
  if (p.displayName !== undefined) check.text('displayName', p.displayName);
  if (p.maxTries !== undefined) check.count('maxTries', p.maxTries);
  if (p.maxExceptions !== undefined) check.count('maxExceptions', p.maxExceptions);
  if (p.backoff !== undefined) check.seconds('backoff', p.backoff);
  if (p.timeout !== undefined) check.duration('timeout', p.timeout);
  if (p.failOnTimeout !== undefined) check.flag('failOnTimeout', p.failOnTimeout);
  if (p.retryUntil !== undefined) check.time('retryUntil', p.retryUntil);
  if (p.createdAt !== undefined) check.time('createdAt', p.createdAt);
  if (p.delay !== undefined) check.finite('delay', p.delay);
  if (p.batchId !== undefined) check.text('batchId', p.batchId);
  if (p.chain !== undefined) check.links('chain', p.chain);
  if (p.chainCatch !== undefined) check.link('chainCatch', p.chainCatch);
  if (p.chainConnection !== undefined) check.text('chainConnection', p.chainConnection);
  if (p.chainQueue !== undefined) check.text('chainQueue', p.chainQueue);
  if (p.tags !== undefined) check.texts('tags', p.tags);
  if (p.encrypted !== undefined) check.flag('encrypted', p.encrypted);
  if (p.uniqueKey !== undefined) check.text('uniqueKey', p.uniqueKey);
  if (p.uniqueUntil !== undefined && p.uniqueUntil !== 'processing') bad('uniqueUntil', `must be "processing", got ${kind(p.uniqueUntil)}`);
  if (p.deleteWhenMissing !== undefined) check.flag('deleteWhenMissing', p.deleteWhenMissing);
  if (p.batchCallback !== undefined) check.flag('batchCallback', p.batchCallback);
  if (p.cause !== undefined) {
    const c = check.object('cause', p.cause);
    check.string('cause.name', c.name);
    check.string('cause.message', c.message);
  }
  if (p.trace !== undefined && (typeof p.trace !== 'string' || !TRACEPARENT.test(p.trace))) {
    bad('trace', `must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got ${typeof p.trace === 'string' ? `${p.trace.length} characters that are not one` : kind(p.trace)}`);
  }
  if (p.traceLinks !== undefined) {
    const links: unknown = p.traceLinks;
    if (!Array.isArray(links) || links.length > MAX_TRACE_LINKS) bad('traceLinks', `must be an array of at most ${MAX_TRACE_LINKS} span contexts, got ${Array.isArray(links) ? `${links.length} entries` : kind(links)}`);
    (links as unknown[]).forEach((link, i) => {
      if (typeof link !== 'string' || !SPAN_LINK.test(link)) bad(`traceLinks[${i}]`, `must be a span context (<32 hex>-<16 hex>-<2 hex>), got ${kind(link)}`);
    });
  }
  if (p.encrypted && typeof p.data !== 'string') bad('data', 'is marked encrypted but is not a string of ciphertext');
}

/** What the error calls a value: its type, and the value itself only for numbers and booleans (never text). */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'string':
      return 'a string';
    case 'undefined':
      return 'nothing';
    default:
      return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
  }
}

class FieldCheck {
  constructor(private readonly bad: (field: string, problem: string) => never) {}

  /** A whole number ≥ 0 (attempts, tries, exceptions). */
  count(field: string, v: unknown): void {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.bad(field, `must be a whole number of 0 or more, got ${kind(v)}`);
  }

  finite(field: string, v: unknown): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.bad(field, `must be a finite number, got ${kind(v)}`);
  }

  /** Seconds ≥ 0. */
  duration(field: string, v: unknown): void {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.bad(field, `must be a number of seconds, 0 or more, got ${kind(v)}`);
  }

  /** Epoch seconds. */
  time(field: string, v: unknown): void {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.bad(field, `must be a time in epoch seconds, got ${kind(v)}`);
  }

  seconds(field: string, v: unknown): void {
    if (!Array.isArray(v) || v.length === 0) this.bad(field, `must be a non-empty array of seconds, got ${kind(v)}`);
    (v as unknown[]).forEach((s, i) => this.duration(`${field}[${i}]`, s));
  }

  flag(field: string, v: unknown): void {
    if (typeof v !== 'boolean') this.bad(field, `must be true or false, got ${kind(v)}`);
  }

  string(field: string, v: unknown): void {
    if (typeof v !== 'string') this.bad(field, `must be a string, got ${kind(v)}`);
  }

  /** A non-empty string. */
  text(field: string, v: unknown): void {
    if (typeof v !== 'string' || v === '') this.bad(field, `must be a non-empty string, got ${v === '' ? 'an empty string' : kind(v)}`);
  }

  texts(field: string, v: unknown): void {
    if (!Array.isArray(v)) this.bad(field, `must be an array of strings, got ${kind(v)}`);
    (v as unknown[]).forEach((s, i) => this.string(`${field}[${i}]`, s));
  }

  object(field: string, v: unknown): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.bad(field, `must be an object, got ${kind(v)}`);
    return v as Record<string, unknown>;
  }

  links(field: string, v: unknown, depth = 0): void {
    if (!Array.isArray(v)) this.bad(field, `must be an array of chain links, got ${kind(v)}`);
    (v as unknown[]).forEach((d, i) => this.link(`${field}[${i}]`, d, depth));
  }

  /** A chain link or batch callback: a job by name (or a batch), with where it goes. */
  link(field: string, v: unknown, depth = 0): void {
    if (depth > 32) this.bad(field, 'nests chains or batches more than 32 deep');
    const d = this.object(field, v) as Partial<DescriptorPayload> & Record<string, unknown>;
    if (d.batch !== undefined) this.batch(`${field}.batch`, d.batch, depth + 1);
    else this.text(`${field}.job`, d.job);
    if (d.encrypted !== undefined) {
      this.flag(`${field}.encrypted`, d.encrypted);
      if (d.encrypted && typeof d.data !== 'string') this.bad(`${field}.data`, 'is marked encrypted but is not a string of ciphertext');
      if (d.encrypted) this.text(`${field}.id`, d.id);
    }
    if (d.id !== undefined) this.text(`${field}.id`, d.id);
    if (d.connection !== undefined) this.text(`${field}.connection`, d.connection);
    if (d.queue !== undefined) this.text(`${field}.queue`, d.queue);
    if (d.delay !== undefined) this.finite(`${field}.delay`, d.delay);
    if (d.chain !== undefined) this.links(`${field}.chain`, d.chain, depth + 1);
    if (d.options !== undefined) this.options(`${field}.options`, d.options);
  }

  private options(field: string, v: unknown): void {
    const o = this.object(field, v) as Partial<DescribedJobOptions> & Record<string, unknown>;
    if (o.tries !== undefined) this.count(`${field}.tries`, o.tries);
    if (o.maxExceptions !== undefined) this.count(`${field}.maxExceptions`, o.maxExceptions);
    if (o.backoff !== undefined) this.seconds(`${field}.backoff`, o.backoff);
    if (o.timeout !== undefined) this.duration(`${field}.timeout`, o.timeout);
    if (o.failOnTimeout !== undefined) this.flag(`${field}.failOnTimeout`, o.failOnTimeout);
    if (o.retryFor !== undefined) this.finite(`${field}.retryFor`, o.retryFor);
    if (o.tags !== undefined) this.texts(`${field}.tags`, o.tags);
    if (o.encrypted !== undefined) this.flag(`${field}.encrypted`, o.encrypted);
    if (o.deleteWhenMissing !== undefined) this.flag(`${field}.deleteWhenMissing`, o.deleteWhenMissing);
    if (o.connection !== undefined) this.text(`${field}.connection`, o.connection);
    if (o.queue !== undefined) this.text(`${field}.queue`, o.queue);
    if (o.unique !== undefined) {
      const u = this.object(`${field}.unique`, o.unique);
      this.string(`${field}.unique.id`, u.id);
      if (u.for !== undefined) this.duration(`${field}.unique.for`, u.for);
      if (u.until !== undefined && u.until !== 'processing' && u.until !== 'processed') this.bad(`${field}.unique.until`, `must be "processed" or "processing", got ${kind(u.until)}`);
    }
  }

  private batch(field: string, v: unknown, depth: number): void {
    const b = this.object(field, v) as Partial<BatchLinkPayload> & Record<string, unknown>;
    this.string(`${field}.name`, b.name);
    if (!Array.isArray(b.jobs)) this.bad(`${field}.jobs`, `must be an array, got ${kind(b.jobs)}`);
    (b.jobs as unknown[]).forEach((entry, i) =>
      Array.isArray(entry) ? this.links(`${field}.jobs[${i}]`, entry, depth) : this.link(`${field}.jobs[${i}]`, entry, depth),
    );
    for (const which of ['then', 'catch', 'finally'] as const) if (b[which] !== undefined) this.links(`${field}.${which}`, b[which], depth);
    if (b.allowFailures !== undefined) this.flag(`${field}.allowFailures`, b.allowFailures);
    if (b.connection !== undefined) this.text(`${field}.connection`, b.connection);
    if (b.queue !== undefined) this.text(`${field}.queue`, b.queue);
    if (b.user !== undefined) this.object(`${field}.user`, b.user);
  }
}
