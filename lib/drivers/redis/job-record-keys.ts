import { queueName } from '../../config/queue-names';
import { queueKeys } from './queue-keys';

/**
 * The job records' Redis layout (the dashboard's JobRepository), written by the queue scripts and read by the
 * dashboard's JobRecordsRepository. Everything of one queue sits in that queue's slot (`queues:{N}:records:...`),
 * so the push, reserve, release and ack scripts write records in the same call; the reader merges queues.
 *
 * A record is its fields (RecordMeta) as JSON, a newline, the payload as reserved (none when encrypted). A usual
 * finished job's fields hold only what the payload does not (status, times, silenced, exception): the reader
 * takes id, name, tags, attempts and the push time from the payload, connection and queue from the queue it reads.
 *
 * Per queue (base = `queues:{N}:records:`):
 * - `data`          hash, id -> record of each job that ended (completed, silenced or failed) and is not
 *                   monitored; a field lives exactly as long as its id is on the completed, silenced or failed
 *                   list (the lists' trims delete the fields of the ids they drop);
 * - `job:<id>`      string, the record of a job with a monitored tag (any status, expiring after trim.monitored
 *                   or its list's trim, the longer) or of a failed job's retry while it waits (trim.pending).
 *                   Other waiting jobs have none: the dashboard lists waiting jobs from the queue's own ready
 *                   list, delayed and reserved sets, so a waiting job costs no memory more;
 * - `completed`     sorted set of ids by completion time (ms), silenced jobs left out;
 * - `silenced`      sorted set of ids of silenced jobs by completion time (ms);
 * - `failed`        sorted set of ids by failure time (ms);
 * - `failed-tag:<t>` sorted set of failed ids carrying tag t, by failure time (ms);
 * - `tag:<t>`       sorted set of ids carrying monitored tag t, by pushed time (ms);
 * - `monitored`     set: the queue's copy of the monitored tags (the scripts can only read their own slot).
 * Global (`{horizon}` slot): `records:queues` (set of the queues that have records) and `monitoring` (set of the
 * monitored tags, the source the queues' copies are made from).
 */
export interface JobRecordKeys {
  /** Prefix of every records key of the queue; scripts build `job:<id>` and tag keys from it. */
  base: string;
  /** Hash of the records of jobs that ended (not monitored), by id. */
  data: string;
  completed: string;
  silenced: string;
  failed: string;
  monitored: string;
}

export function jobRecordKeys(prefix: string, queue: string): JobRecordKeys {
  const base = `${queueKeys(prefix, queue).ready}:records:`;
  return {
    base,
    data: `${base}data`,
    completed: `${base}completed`,
    silenced: `${base}silenced`,
    failed: `${base}failed`,
    monitored: `${base}monitored`,
  };
}

export const recordKey = (keys: JobRecordKeys, id: string): string => `${keys.base}job:${id}`;
export const tagKey = (keys: JobRecordKeys, tag: string): string => `${keys.base}tag:${tag}`;
export const failedTagKey = (keys: JobRecordKeys, tag: string): string => `${keys.base}failed-tag:${tag}`;

/** Set of the queues that hold records, as recordedQueueMember (written once per queue per process). */
export const recordedQueuesKey = (prefix: string): string => `${prefix}{horizon}:records:queues`;

/** A member of the recorded-queues set: JSON [connection, queue]. */
export const recordedQueueMember = (connection: string, queue: string): string => JSON.stringify([connection, queueName(queue)]);

/** The connection and queue of a recorded-queues member; null for anything else. */
export function parseRecordedQueue(member: string): { connection: string; queue: string } | null {
  try {
    const parsed: unknown = JSON.parse(member);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { connection: parsed[0], queue: parsed[1] };
    }
  } catch {
    // not ours
  }
  return null;
}

/** Set of the monitored tags. */
export const monitoringKey = (prefix: string): string => `${prefix}{horizon}:monitoring`;

/**
 * A record's fields, as the scripts write them (JSON before the record's first newline). Times are epoch ms. A
 * usual finished job's record leaves out what its payload holds (id, name, tags, attempts, encrypted, pushed_at)
 * and its connection and queue (those of the queue it is read from).
 */
export interface RecordMeta {
  id?: string;
  name?: string;
  connection?: string;
  queue?: string;
  status?: string;
  attempts?: number;
  /** JSON array of strings, or '' for none. */
  tags?: string;
  encrypted?: boolean;
  silenced?: boolean;
  /** It carried a monitored tag when it was pushed: kept `trim.monitored`. */
  monitored?: boolean;
  pushed_at?: number;
  available_at?: number;
  reserved_at?: number;
  completed_at?: number;
  failed_at?: number;
  exception?: string;
  retried_by?: { id: string; retriedAt: number }[];
}

/** A record's text: its fields and its payload ('' when none was kept). */
export function splitRecord(text: string): { meta: RecordMeta; payload: string } | null {
  const nl = text.indexOf('\n');
  if (nl < 0) return null;
  try {
    const meta: unknown = JSON.parse(text.slice(0, nl));
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return null;
    return { meta: meta as RecordMeta, payload: text.slice(nl + 1) };
  } catch {
    return null;
  }
}

export function joinRecord(meta: RecordMeta, payload: string): string {
  return `${JSON.stringify(meta)}\n${payload}`;
}

/** How long each list keeps its records, in milliseconds (from `horizon.trim`, minutes). */
export interface RecordTrims {
  pending: number;
  completed: number;
  failed: number;
  monitored: number;
}

/** What the Redis driver needs to write records; null when `horizon.records` is false. */
export interface RecordSettings {
  trims: RecordTrims;
  /** Job names left out of the completed list. */
  silenced: ReadonlySet<string>;
}

/** The trims as script arguments, in the order the scripts read them (pending, completed, failed, monitored). */
export function trimArgs(t: RecordTrims): number[] {
  return [Math.round(t.pending), Math.round(t.completed), Math.round(t.failed), Math.round(t.monitored)];
}

export const minutesToMs = (minutes: number): number => Math.round(minutes * 60000);

/** The records settings of `horizon` (trim minutes as ms, silenced names); null when `horizon.records` is false. */
export function recordSettingsOf(horizon: {
  readonly records: boolean;
  readonly trim: { readonly pending: number; readonly completed: number; readonly failed: number; readonly monitored: number };
  readonly silenced: readonly string[];
}): RecordSettings | null {
  if (!horizon.records) return null;
  const t = horizon.trim;
  return {
    trims: { pending: minutesToMs(t.pending), completed: minutesToMs(t.completed), failed: minutesToMs(t.failed), monitored: minutesToMs(t.monitored) },
    silenced: new Set(horizon.silenced),
  };
}
