import type { RedisClient } from '../../redis/redis-connections';

/** One sorted set of a list (one queue's part of it), scored by time. */
export interface ListPart {
  client: RedisClient;
  key: string;
}

/** An entry of a list: the part it is in, its member, its score. */
export interface ListEntry {
  part: number;
  id: string;
  score: number;
}

/** Up to this many entries a part, a page is read by merging each part's first `start + limit` entries. */
const MERGE_UP_TO = 500;

/**
 * Entries [start, start + limit) of the union of the parts, newest (highest score) first, ties by member from the
 * highest, as one sorted set would hold them. One part: a ZREVRANGE of the page itself. Several: a shallow page
 * merges each part's first `start + limit` entries; a deep one finds, by bisecting scores with ZCOUNT (one round
 * of one ZCOUNT per part, about log2 of the score range's width in ms, rounds), the whole score T in which the page
 * starts, then reads from each part only the entries below T + 1 it may need (the page and the entries of its first
 * millisecond before it). No read grows with `start`.
 */
export async function mergedPage(parts: readonly ListPart[], start: number, limit: number): Promise<ListEntry[]> {
  if (parts.length === 0 || limit <= 0) return [];
  if (parts.length === 1) return entries(0, await parts[0].client.zrevrange(parts[0].key, start, start + limit - 1, 'WITHSCORES'));
  if (start + limit <= MERGE_UP_TO) {
    const ranges = await Promise.all(parts.map((p) => p.client.zrevrange(p.key, 0, start + limit - 1, 'WITHSCORES')));
    return sorted(ranges.flatMap((flat, i) => entries(i, flat))).slice(start, start + limit);
  }
  // The score of the entry at `start` lies between the highest of the parts' entries at rank `start` and the
  // highest of their entries at rank ceil((start + 1) / parts) - 1 (some part holds that many of the first start + 1).
  const share = Math.ceil((start + 1) / parts.length) - 1;
  const bounds = await Promise.all(
    parts.flatMap((p) => [p.client.zrevrange(p.key, start, start, 'WITHSCORES'), p.client.zrevrange(p.key, share, share, 'WITHSCORES')]),
  );
  let low = -Infinity;
  let high = -Infinity;
  for (let i = 0; i < bounds.length; i += 2) {
    if (bounds[i].length) low = Math.max(low, Number(bounds[i][1]));
    if (bounds[i + 1].length) high = Math.max(high, Number(bounds[i + 1][1]));
  }
  if (high === -Infinity) return []; // fewer than start + 1 entries in all
  if (low === -Infinity) {
    // No part holds `start + 1` entries: the page starts at or above the lowest score of all.
    low = Infinity;
    for (const flat of await Promise.all(parts.map((p) => p.client.zrange(p.key, '0', '0', 'WITHSCORES')))) if (flat.length) low = Math.min(low, Number(flat[1]));
  }
  const count = async (from: number) => {
    let n = 0;
    for (const c of await Promise.all(parts.map((p) => p.client.zcount(p.key, from, '+inf')))) n += c;
    return n;
  };
  // Invariant: more than `start` entries score at least `lo`; at most `start` score at least `hi`.
  let lo = Math.floor(low);
  let hi = Math.floor(high) + 1;
  if ((await count(lo)) <= start) return []; // the lists shrank meanwhile
  let above = await count(hi);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const n = await count(mid);
    if (n > start) lo = mid;
    else {
      hi = mid;
      above = n;
    }
  }
  const skip = Math.max(0, start - above);
  const ranges = await Promise.all(parts.map((p) => p.client.zrevrangebyscore(p.key, `(${hi}`, '-inf', 'WITHSCORES', 'LIMIT', '0', String(skip + limit))));
  return sorted(ranges.flatMap((flat, i) => entries(i, flat))).slice(skip, skip + limit);
}

function entries(part: number, flat: string[]): ListEntry[] {
  const out: ListEntry[] = [];
  for (let j = 0; j < flat.length; j += 2) out.push({ part, id: flat[j], score: Number(flat[j + 1]) });
  return out;
}

function sorted(all: ListEntry[]): ListEntry[] {
  return all.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
