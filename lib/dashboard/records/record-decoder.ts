import { splitRecord } from '../../drivers/redis/job-record-keys';
import type { JobRecord, JobRecordStatus } from '../job-records.interface';

const STATUSES: readonly JobRecordStatus[] = ['pending', 'reserved', 'completed', 'failed'];

/** The status a record holds, or undefined when it holds none. */
export function asStatus(value: unknown): JobRecordStatus | undefined {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value) ? (value as JobRecordStatus) : undefined;
}

/** Where a record was read: its queue's connection and name (a usual record leaves them to its place). */
export interface RecordPlace {
  connection: string;
  queue: string;
}

/**
 * A record as the queue scripts wrote it, as the dashboard reads it; null for none (trimmed) or not a record. What
 * its fields leave out (a usual finished job's record: id, name, tags, attempts, push time) is read from its
 * payload, as a waiting job's is.
 */
export function decodeRecord(text: string | null, place?: RecordPlace): JobRecord | null {
  if (!text) return null;
  const split = splitRecord(text);
  if (!split) return null;
  const { meta, payload } = split;
  const p = payload ? parseObject(payload) : null;
  const id = typeof meta.id === 'string' ? meta.id : typeof p?.uuid === 'string' ? p.uuid : null;
  if (id === null) return null;
  const status = asStatus(meta.status) ?? 'pending';
  const encrypted = meta.encrypted === true || p?.encrypted === true;
  const record: JobRecord = {
    id,
    name: typeof meta.name === 'string' ? meta.name : typeof p?.job === 'string' ? p.job : 'unknown',
    connection: typeof meta.connection === 'string' ? meta.connection : (place?.connection ?? ''),
    queue: typeof meta.queue === 'string' ? meta.queue : (place?.queue ?? ''),
    tags: typeof meta.tags === 'string' ? stringList(meta.tags) : payloadTags(p),
    status,
    attempts: typeof meta.attempts === 'number' ? meta.attempts : typeof p?.attempts === 'number' ? p.attempts : 0,
    encrypted,
    silenced: meta.silenced === true,
    pushedAt: typeof meta.pushed_at === 'number' ? meta.pushed_at : pushedAtOf(p, id),
  };
  if (payload && !encrypted) addPayload(record, payload, p);
  setTime(record, 'availableAt', meta.available_at);
  setTime(record, 'reservedAt', meta.reserved_at);
  setTime(record, 'completedAt', meta.completed_at);
  setTime(record, 'failedAt', meta.failed_at);
  if (typeof meta.exception === 'string') record.exception = meta.exception;
  const retried = retriedList(meta.retried_by);
  if (retried.length) record.retriedBy = retried.map((r) => ({ ...r, status: r.id === record.id ? status : 'pending' }));
  return record;
}

/**
 * A waiting or reserved job as the dashboard shows it, read from its payload in the queue (waiting jobs have no
 * record of their own). Null for text that is not a payload.
 */
export function decodeWaiting(raw: string, connection: string, queue: string, status: JobRecordStatus, availableAt?: number): JobRecord | null {
  const p = parseObject(raw);
  if (!p || typeof p.uuid !== 'string') return null;
  const encrypted = p.encrypted === true;
  const record: JobRecord = {
    id: p.uuid,
    name: typeof p.job === 'string' ? p.job : 'unknown',
    connection,
    queue,
    tags: payloadTags(p),
    status,
    attempts: typeof p.attempts === 'number' ? p.attempts : 0,
    encrypted,
    silenced: false,
    pushedAt: pushedAtOf(p, p.uuid),
  };
  if (!encrypted) addPayload(record, raw, p);
  if (availableAt !== undefined) record.availableAt = availableAt;
  return record;
}

/** The `retried_by` list: [{ id, retriedAt }]. */
export function retriedList(value: unknown): { id: string; retriedAt: number }[] {
  if (!Array.isArray(value)) return [];
  return value.filter((r): r is { id: string; retriedAt: number } => isObject(r) && typeof r.id === 'string' && typeof r.retriedAt === 'number');
}

function addPayload(record: JobRecord, payload: string, parsed = parseObject(payload)): void {
  record.payload = payload;
  if (!parsed) return;
  if ('data' in parsed) record.data = parsed.data;
  if (typeof parsed.batchId === 'string') record.batchId = parsed.batchId;
  if (Array.isArray(parsed.chain) && parsed.chain.length) {
    record.chained = parsed.chain.map((link: unknown) => (isObject(link) && typeof link.job === 'string' ? link.job : 'unknown'));
  }
}

function payloadTags(p: Record<string, unknown> | null): string[] {
  return p && Array.isArray(p.tags) ? p.tags.filter((t): t is string => typeof t === 'string') : [];
}

/** When a job was pushed (ms): its payload's createdAt, else the time in its UUID v7. */
function pushedAtOf(p: Record<string, unknown> | null, id: string): number {
  return p && typeof p.createdAt === 'number' ? Math.round(p.createdAt * 1000) : uuidTime(id);
}

function uuidTime(id: string): number {
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return id.length === 36 && id[14] === '7' && Number.isFinite(ms) ? ms : 0;
}

function setTime(record: JobRecord, field: 'availableAt' | 'reservedAt' | 'completedAt' | 'failedAt', value: unknown): void {
  if (typeof value === 'number') record[field] = value;
}

function stringList(json: unknown): string[] {
  if (typeof json !== 'string' || !json) return [];
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
