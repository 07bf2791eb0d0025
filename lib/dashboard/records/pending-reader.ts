import { join } from 'node:path';
import { LuaScript } from '../../redis/lua-script';
import type { JobRecord, JobRecordPage } from '../job-records.interface';
import { decodeWaiting } from './record-decoder';
import type { RecordedQueue } from './recorded-queue';

const WAITING = new LuaScript(join(__dirname, 'scripts', 'waiting.lua'));

/** A page this deep or shallower is read from the head of every queue's part and merged; a deeper one is found by bisection. */
const EAGER = 256;

type Kind = 'reserved' | 'ready' | 'delayed';
const KINDS: readonly Kind[] = ['reserved', 'ready', 'delayed'];

/** One queue's reserved set, ready list or delayed set. */
interface Part {
  queue: RecordedQueue;
  /** The queue's place in the reader's list (a tie-break). */
  q: number;
  kind: Kind;
  size: number;
}

/** A job read from a part: `bucket` orders the merged list (ascending), ties as `compare` says. */
interface Item {
  raw: string;
  part: Part;
  /** A ready job's id. */
  id?: string;
  score?: number;
  bucket: number;
  rank: number;
}

/**
 * Waiting jobs are read from the queues themselves (no record is written for a job that waits, so a waiting job
 * costs no more memory with records on). The list is the jobs in progress (latest reserved first), then the ready
 * jobs newest first, then the delayed ones soonest due first; each of the three is merged over the queues by time
 * (a ready job's by its id, UUID v7; reserved and delayed ones by their set's score), ties in queue order then in
 * their queue's order.
 *
 * Nothing scans a queue: sizes by ZCARD / LLEN; a page within the first EAGER of a part reads that many of each
 * queue; a deeper one finds the millisecond its first job sits in by bisection over time (per step, one ZCOUNT or
 * one binary search over the ready list's positions, waiting.lua, per queue) and reads from each queue only the
 * jobs of that millisecond and `limit` after them. A ready list is in the order its jobs came: those pushed there
 * are in id order; a job that came back (released, or delayed and now due) sits by when it came back, so in a
 * list of many such jobs a deep page can show one of them twice or not at all.
 */
export async function readPending(queues: readonly RecordedQueue[], start: number, limit: number): Promise<JobRecordPage> {
  const sizes = await Promise.all(
    queues.flatMap((q) => [q.client.zcard(q.queueKeys.reserved), q.client.llen(q.queueKeys.ready), q.client.zcard(q.queueKeys.delayed)]),
  );
  const kinds = KINDS.map((kind, k) => queues.map((queue, q): Part => ({ queue, q, kind, size: sizes[q * 3 + k] })));
  const total = sizes.reduce((a, b) => a + b, 0);
  const end = start + limit;
  const reads: Promise<Item[]>[] = [];
  let offset = 0;
  for (const parts of kinds) {
    const size = parts.reduce((a, p) => a + p.size, 0);
    const from = Math.max(start, offset) - offset;
    const to = Math.min(end, offset + size) - offset; // exclusive
    offset += size;
    if (to > from) reads.push(selectMerged(parts.filter((p) => p.size > 0), from, to - from));
    if (offset >= end) break;
  }
  const jobs: JobRecord[] = [];
  let index = start;
  for (const items of await Promise.all(reads)) {
    for (const item of items) {
      const record = toRecord(item);
      if (record) {
        record.index = index;
        jobs.push(record);
      }
      index++;
    }
  }
  return { jobs, total };
}

/** Items [start, start + limit) of the parts merged (the parts of one kind, each non-empty). */
async function selectMerged(parts: readonly Part[], start: number, limit: number): Promise<Item[]> {
  if (parts.length === 1) return read(parts[0], start, Math.min(parts[0].size, start + limit));
  if (start + limit <= EAGER) {
    const heads = await Promise.all(parts.map((p) => read(p, 0, Math.min(p.size, start + limit))));
    return heads.flat().sort(compare).slice(start, start + limit);
  }
  // The millisecond bucket of the item at `start`: the greatest b with countBefore(b) <= start.
  const ends = await Promise.all(parts.map(async (p) => [...(await read(p, 0, 1)), ...(await read(p, p.size - 1, p.size))]));
  const buckets = ends.flat().map((i) => i.bucket);
  let lo = Math.min(...buckets);
  let hi = Math.max(...buckets);
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if ((await countsBefore(parts, mid)).reduce((a, b) => a + b, 0) <= start) lo = mid;
    else hi = mid - 1;
  }
  const [before, through] = await Promise.all([countsBefore(parts, lo), countsBefore(parts, lo + 1)]);
  const read$ = parts.map((p, i) => read(p, before[i], Math.min(p.size, through[i] + limit)));
  const skip = start - before.reduce((a, b) => a + b, 0);
  return (await Promise.all(read$)).flat().sort(compare).slice(skip, skip + limit);
}

/**
 * The merged order: by bucket; within one, ready jobs newest id first (a queue's ready list is in id order, so
 * this keeps each queue's own order), reserved and delayed ones by score, then queue, then their set's order.
 */
function compare(a: Item, b: Item): number {
  if (a.bucket !== b.bucket) return a.bucket - b.bucket;
  if (a.id !== undefined && b.id !== undefined && a.id !== b.id) return a.id < b.id ? 1 : -1;
  if (a.score !== undefined && b.score !== undefined && a.score !== b.score) return a.part.kind === 'reserved' ? b.score - a.score : a.score - b.score;
  return a.part.q - b.part.q || a.rank - b.rank;
}

function countsBefore(parts: readonly Part[], bucket: number): Promise<number[]> {
  return Promise.all(parts.map((p) => countBefore(p, bucket)));
}

/**
 * How many of a part's jobs sort before millisecond bucket `bucket`. Ready: bucket = -(the id's time), so those
 * with a time of at least 1 - bucket; reserved: bucket = -ms(score), those scored at least (1 - bucket) / 1000;
 * delayed: bucket = ms(score), those scored below bucket / 1000.
 */
async function countBefore(part: Part, bucket: number): Promise<number> {
  const { client, queueKeys: k } = part.queue;
  if (part.kind === 'ready') {
    const time = 1 - bucket;
    if (time <= 0) return part.size;
    if (time >= 2 ** 48) return 0;
    const at = await WAITING.run<number>(client, [k.ready, k.delayed, k.reserved], ['position', timePrefix(time)]);
    return part.size - at;
  }
  if (part.kind === 'reserved') return client.zcount(k.reserved, String((1 - bucket) / 1000), '+inf');
  return client.zcount(k.delayed, '-inf', `(${bucket / 1000}`);
}

/** Items [from, to) of a part in the list's order. */
async function read(part: Part, from: number, to: number): Promise<Item[]> {
  if (to <= from) return [];
  const { client, queueKeys: k } = part.queue;
  if (part.kind === 'ready') {
    // Newest first: item i from the newest is index -(i + 1).
    const items = await client.lrange(k.ready, -to, -(from + 1));
    return items.reverse().map((raw, i) => {
      const id = idOf(raw);
      return { raw, part, id, bucket: -uuidTime(id), rank: from + i };
    });
  }
  const flat =
    part.kind === 'reserved' ? await client.zrevrange(k.reserved, from, to - 1, 'WITHSCORES') : await client.zrange(k.delayed, String(from), String(to - 1), 'WITHSCORES');
  const out: Item[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const score = Number(flat[i + 1]);
    const ms = scoreMs(score);
    out.push({ raw: flat[i], part, score, bucket: part.kind === 'reserved' ? -ms : ms, rank: from + i / 2 });
  }
  return out;
}

function toRecord(item: Item): JobRecord | null {
  const { part } = item;
  const status = part.kind === 'reserved' ? 'reserved' : 'pending';
  const availableAt = part.kind === 'delayed' && item.score !== undefined ? Math.round(item.score * 1000) : undefined;
  return decodeWaiting(item.raw, part.queue.connection, part.queue.queue, status, availableAt);
}

/**
 * A waiting job by id, from its queue (reserved set, ready list, delayed set; one script call per queue):
 * found when it is in progress among the latest `window` reserved, in the ready list within `window` of where its
 * id sorts, or among the first `window` delayed jobs due after its id's time. Null otherwise.
 */
export async function findWaiting(queues: readonly RecordedQueue[], id: string, window = 1000): Promise<JobRecord | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const found = await Promise.all(
    queues.map((q) => WAITING.run<[Kind, string, string] | null>(q.client, [q.queueKeys.ready, q.queueKeys.delayed, q.queueKeys.reserved], ['find', id.toLowerCase(), window])),
  );
  for (let i = 0; i < queues.length; i++) {
    const hit = found[i];
    if (!hit) continue;
    const [kind, raw, score] = hit;
    const part: Part = { queue: queues[i], q: i, kind, size: 0 };
    return toRecord({ raw, part, bucket: 0, rank: 0, ...(score ? { score: Number(score) } : {}) });
  }
  return null;
}

/** The greatest m with m / 1000 <= score, as Redis compares a score with the text of m / 1000. */
function scoreMs(score: number): number {
  let m = Math.floor(score * 1000);
  while ((m + 1) / 1000 <= score) m++;
  while (m / 1000 > score) m--;
  return m;
}

/** The id a payload starts with (`{"v":N,["attempts":N,]"uuid":"..."`, as waiting.lua reads it). */
function idOf(raw: string): string {
  return /^\{"v":\d+,(?:"attempts":\d+,)?"uuid":"([^"]+)"/.exec(raw)?.[1] ?? '';
}

/** Milliseconds in a UUID v7's first 48 bits (0 for anything else). */
function uuidTime(id: string): number {
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return id.length === 36 && Number.isFinite(ms) ? ms : 0;
}

/** The start of every UUID v7 id of millisecond `time` ('xxxxxxxx-xxxx'): ids of that time or later sort at or after it. */
function timePrefix(time: number): string {
  const hex = Math.floor(time).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}`;
}
