import { InvalidPayloadError } from '../errors';
import { JobPayload, PAYLOAD_VERSION } from './payload.interface';
import { assertPayloadFields } from './payload-fields.validator';

/**
 * Writes a payload with `v` first and `attempts` second (the Redis scripts raise attempts by rewriting that
 * prefix) and the other fields in a fixed order; fields at their default are not written. That includes
 * `attempts` when it is 0, as it is for every job waiting for its first run (13 bytes less per waiting job):
 * the reserve script then inserts `"attempts":1` after `{"v":N,`. `keepZeroAttempts` writes it anyway
 * (a retried failed job shows its reset count).
 */
export function encodePayload(p: JobPayload, keepZeroAttempts = false): string {
  const out: Record<string, unknown> = { v: p.v };
  if (p.attempts || keepZeroAttempts) out.attempts = p.attempts;
  out.uuid = p.uuid;
  out.job = p.job;
  if (p.displayName !== undefined && p.displayName !== p.job) out.displayName = p.displayName;
  out.data = p.data;
  if (p.maxTries !== undefined) out.maxTries = p.maxTries;
  if (p.maxExceptions) out.maxExceptions = p.maxExceptions;
  if (p.backoff && p.backoff.length) out.backoff = p.backoff;
  if (p.timeout !== undefined) out.timeout = p.timeout;
  if (p.failOnTimeout) out.failOnTimeout = true;
  if (p.retryUntil !== undefined) out.retryUntil = p.retryUntil;
  if (p.createdAt !== undefined) out.createdAt = p.createdAt;
  if (p.delay) out.delay = p.delay;
  if (p.batchId) out.batchId = p.batchId;
  if (p.chain && p.chain.length) out.chain = p.chain;
  if (p.chainCatch) out.chainCatch = p.chainCatch;
  if (p.chainConnection) out.chainConnection = p.chainConnection;
  if (p.chainQueue) out.chainQueue = p.chainQueue;
  if (p.tags && p.tags.length) out.tags = p.tags;
  if (p.encrypted) out.encrypted = true;
  if (p.uniqueKey) out.uniqueKey = p.uniqueKey;
  if (p.uniqueUntil) out.uniqueUntil = p.uniqueUntil;
  if (p.deleteWhenMissing) out.deleteWhenMissing = true;
  if (p.batchCallback) out.batchCallback = true;
  if (p.cause) out.cause = p.cause;
  if (p.trace) out.trace = p.trace;
  if (p.traceLinks && p.traceLinks.length) out.traceLinks = p.traceLinks;
  return JSON.stringify(out);
}

/**
 * Reads a payload taken from a queue; anything that is not a payload we can run is an InvalidPayloadError whose
 * message names the job (name, id, attempt) when it can, and never quotes the payload's text or data.
 */
export function decodePayload(raw: string): JobPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // JSON.parse's own message quotes the text, which may hold job data: not repeated here.
    throw new InvalidPayloadError(`The payload is not valid JSON (${describeRaw(raw)}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidPayloadError(`The payload is not a JSON object (${describeRaw(raw)}).`);
  }
  const p = parsed as Partial<JobPayload>;
  if (typeof p.v !== 'number' || !Number.isInteger(p.v) || p.v < 1) {
    throw new InvalidPayloadError(`The payload has no valid version field "v" (${describeRaw(raw)}).`);
  }
  if (p.v > PAYLOAD_VERSION) {
    throw new InvalidPayloadError(
      `The payload is version ${p.v}, newer than this worker understands (${PAYLOAD_VERSION}). Upgrade nestjs-queue on the workers.`,
    );
  }
  if (typeof p.uuid !== 'string' || !p.uuid) throw new InvalidPayloadError(`The payload has no "uuid" (${describeRaw(raw)}).`);
  if (typeof p.job !== 'string' || !p.job) throw new InvalidPayloadError(`The payload ${p.uuid} has no "job" name.`);
  if (p.attempts === undefined) p.attempts = 0;
  assertPayloadFields(p as JobPayload);
  return p as JobPayload;
}

/** The job's uuid if the text is close enough to a payload to have one; else null. Used to name failed records. */
export function salvageUuid(raw: string): string | null {
  const match = /"uuid":"([0-9a-fA-F-]{36})"/.exec(raw);
  return match ? match[1] : null;
}

/**
 * Names the job a payload is for, for a log line, without quoting its data: `job X, id Y, attempt N` as far as
 * they can be read (an unreadable payload: its id if one can be found, and its size).
 */
export function describePayloadForLog(raw: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `an unreadable payload (${describeRaw(raw)})`;
  }
  const p = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const name = typeof p.job === 'string' && p.job ? p.job.slice(0, 200) : 'unknown';
  const id = typeof p.uuid === 'string' && p.uuid ? p.uuid.slice(0, 64) : salvageUuid(raw) ?? 'unknown';
  const attempt = typeof p.attempts === 'number' && Number.isFinite(p.attempts) ? p.attempts : '?';
  return `job ${name}, id ${id}, attempt ${attempt}`;
}

/** Names an unreadable payload without quoting it (it may hold job data): its id when one can be found, and its size. */
function describeRaw(raw: string): string {
  const uuid = salvageUuid(raw);
  return `${uuid ? `id ${uuid}, ` : ''}${Buffer.byteLength(raw)} bytes`;
}

/** Epoch seconds the payload was created, from `createdAt` or the UUID v7's timestamp. */
export function createdAtOf(p: JobPayload): number {
  if (p.createdAt !== undefined) return p.createdAt;
  const hex = p.uuid.replace(/-/g, '').slice(0, 12);
  const ms = parseInt(hex, 16);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}
