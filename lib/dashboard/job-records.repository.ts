import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { LuaScript } from '../redis/lua-script';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QUEUE_CONFIG } from '../queue.constants';
import { RedisClient, RedisConnections } from '../redis/redis-connections';
import { failedTagKey, JobRecordKeys, monitoringKey, recordKey, splitRecord, tagKey } from '../drivers/redis/job-record-keys';
import type { JobRecord, JobRecordPage, JobRecordsReader, MonitoredTag, PageRequest } from './job-records.interface';
import { asStatus, decodeRecord } from './records/record-decoder';
import { RecordedQueue, recordedQueues } from './records/recorded-queue';
import { readPending } from './records/pending-reader';
import { mergedPage } from './records/merged-page';

const DEFAULT_LIMIT = 50;
const MARK_RETRIED = new LuaScript(join(__dirname, '..', 'drivers', 'redis', 'scripts', 'mark-retried.lua'));

/**
 * The dashboard's read side of the job records the Redis driver's scripts write (Horizon's JobRepository and
 * TagRepository). Completed, silenced, failed and tag lists are sorted sets per queue (by time, ms): a page is
 * read across queues by score (see mergedPage), a total is the sum of ZCARDs; the records are fields of each
 * queue's data hash (HMGET), or `job:<id>` strings for monitored jobs and waiting retries. Pending jobs are read
 * from the queues themselves (see readPending). Nothing scans the keyspace. Queues with records are those in each
 * server's recorded-queues set.
 */
export class JobRecordsRepository implements JobRecordsReader {
  constructor(
    /** The Redis servers the app's redis connections use. */
    private readonly servers: readonly RedisClient[],
    private readonly prefix: string,
  ) {}

  /** The records of the app's queues (QueueModule's configuration and Redis connections). */
  static of(app: Pick<INestApplicationContext, 'get'>): JobRecordsRepository {
    const config = app.get<ResolvedQueueConfig>(QUEUE_CONFIG, { strict: false });
    const connections = app.get(RedisConnections, { strict: false });
    const servers = new Set<string>();
    for (const c of Object.values(config.connections)) if (c.driver === 'redis') servers.add(c.server);
    return new JobRecordsRepository([...servers].map((s) => connections.get(s)), config.prefix);
  }

  /**
   * Jobs not finished, each group merged over every queue: those in progress (latest reserved first), the ready
   * ones newest first, then the delayed ones soonest due first (read from the queues' own lists: waiting jobs have
   * no record; see records/pending-reader.ts).
   */
  async pending(page: PageRequest = {}): Promise<JobRecordPage> {
    const { start, limit } = window(page);
    return readPending(await this.queues(), start, limit);
  }

  completed(page?: PageRequest): Promise<JobRecordPage> {
    return this.list((k) => k.completed, page);
  }

  silenced(page?: PageRequest): Promise<JobRecordPage> {
    return this.list((k) => k.silenced, page);
  }

  failed(page: PageRequest & { tag?: string } = {}): Promise<JobRecordPage> {
    const tag = page.tag;
    return this.list(tag ? (k) => failedTagKey(k, tag) : (k) => k.failed, page);
  }

  byTag(tag: string, page?: PageRequest): Promise<JobRecordPage> {
    return this.list((k) => tagKey(k, tag), page);
  }

  /**
   * The record of a job that ended (completed or failed, within its trim), or of a waiting job that carries a
   * monitored tag or is a retry; null otherwise (a waiting job is shown from its queue by pending()).
   */
  async find(id: string): Promise<JobRecord | null> {
    const found = await this.findRaw(id);
    if (!found) return null;
    const record = decodeRecord(found.text, found.queue);
    return record ? this.withRetries(record) : null;
  }

  async countRecentlyFailed(minutes: number): Promise<number> {
    return this.countSince((k) => [k.failed], minutes);
  }

  /** Succeeded jobs (completed and silenced) in the last `minutes`. */
  async countRecentlyCompleted(minutes: number): Promise<number> {
    return this.countSince((k) => [k.completed, k.silenced], minutes);
  }

  async monitored(): Promise<MonitoredTag[]> {
    const tags = new Set<string>();
    for (const members of await Promise.all(this.servers.map((c) => c.smembers(monitoringKey(this.prefix))))) for (const t of members) tags.add(t);
    const queues = await this.queues();
    const sorted = [...tags].sort();
    const counts = await Promise.all(sorted.map((tag) => this.sum(queues.map((q) => q.client.zcard(tagKey(q.keys, tag))))));
    return sorted.map((tag, i) => ({ tag, count: counts[i] }));
  }

  /**
   * Adds the tag to the monitored set, then to each recorded queue's copy (the scripts read their queue's copy).
   * A queue registered meanwhile reads the set after adding itself, so it sees the tag either way.
   */
  async monitor(tag: string): Promise<void> {
    await Promise.all(this.servers.map((c) => c.sadd(monitoringKey(this.prefix), tag)));
    const queues = await this.queues();
    await Promise.all(queues.map((q) => q.client.sadd(q.keys.monitored, tag)));
  }

  async stopMonitoring(tag: string): Promise<void> {
    await Promise.all(this.servers.map((c) => c.srem(monitoringKey(this.prefix), tag)));
    const queues = await this.queues();
    await Promise.all(queues.flatMap((q) => [q.client.srem(q.keys.monitored, tag), q.client.del(tagKey(q.keys, tag))]));
  }

  /** Notes on the record of `failedId` that a retry sent `newId` (the same id when the retry re-queued that job). */
  async markRetried(failedId: string, newId: string): Promise<void> {
    const found = await this.findRaw(failedId);
    if (!found) return;
    const { client, keys } = found.queue;
    await MARK_RETRIED.run(client, [keys.data, recordKey(keys, failedId)], [failedId, newId, Date.now()]);
  }

  private queues(): Promise<RecordedQueue[]> {
    return recordedQueues(this.servers, this.prefix);
  }

  /** A page of one list over every queue, newest first (see mergedPage), with the list's total. */
  private async list(keyOf: (k: JobRecordKeys) => string, page: PageRequest = {}): Promise<JobRecordPage> {
    const { start, limit } = window(page);
    const queues = await this.queues();
    if (queues.length === 0) return { jobs: [], total: 0 };
    const totalP = this.sum(queues.map((q) => q.client.zcard(keyOf(q.keys))));
    const chosen = await mergedPage(queues.map((q) => ({ client: q.client, key: keyOf(q.keys) })), start, limit);
    const texts = await this.texts(queues, chosen);
    const jobs: JobRecord[] = [];
    texts.forEach((text, i) => {
      const record = decodeRecord(text, queues[chosen[i].part]);
      if (!record) return; // trimmed between reading its list and this read
      record.index = start + i;
      jobs.push(record);
    });
    return { jobs: await Promise.all(jobs.map((r) => this.withRetries(r))), total: await totalP };
  }

  /** The records of the chosen ids: one HMGET of its data hash a queue, then a GET for each id not there. */
  private async texts(queues: readonly RecordedQueue[], chosen: readonly { part: number; id: string }[]): Promise<(string | null)[]> {
    const byPart = new Map<number, number[]>();
    chosen.forEach((c, i) => {
      const list = byPart.get(c.part);
      if (list) list.push(i);
      else byPart.set(c.part, [i]);
    });
    const texts: (string | null)[] = new Array<string | null>(chosen.length).fill(null);
    await Promise.all(
      [...byPart].map(async ([part, indexes]) => {
        const q = queues[part];
        const found = await q.client.hmget(q.keys.data, ...indexes.map((i) => chosen[i].id));
        const missing: number[] = [];
        found.forEach((text, k) => (text === null ? missing.push(indexes[k]) : (texts[indexes[k]] = text)));
        const rest = await Promise.all(missing.map((i) => q.client.get(recordKey(q.keys, chosen[i].id))));
        rest.forEach((text, k) => (texts[missing[k]] = text));
      }),
    );
    return texts;
  }

  /** A job's record: a field of its queue's data hash (a job that ended), else its `job:<id>` string. */
  private async findRaw(id: string): Promise<{ queue: RecordedQueue; text: string; inData: boolean } | null> {
    const queues = await this.queues();
    const texts = await Promise.all(queues.map((q) => Promise.all([q.client.hget(q.keys.data, id), q.client.get(recordKey(q.keys, id))])));
    for (let i = 0; i < texts.length; i++) {
      const [data, own] = texts[i];
      if (data !== null) return { queue: queues[i], text: data, inData: true };
      if (own !== null) return { queue: queues[i], text: own, inData: false };
    }
    return null;
  }

  /** The status of the jobs a retry sent, when they are other jobs than this record's. */
  private async withRetries(record: JobRecord): Promise<JobRecord> {
    if (!record.retriedBy?.some((r) => r.id !== record.id)) return record;
    const retriedBy = await Promise.all(
      record.retriedBy.map(async (r) => {
        if (r.id === record.id) return r;
        const found = await this.findRaw(r.id);
        const status = found ? asStatus(splitRecord(found.text)?.meta.status) : undefined;
        return { ...r, status: status ?? r.status };
      }),
    );
    return { ...record, retriedBy };
  }

  private async countSince(keysOf: (k: JobRecordKeys) => string[], minutes: number): Promise<number> {
    if (this.servers.length === 0) return 0;
    const [seconds, micros] = await this.servers[0].time();
    const since = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - minutes * 60000;
    const queues = await this.queues();
    return this.sum(queues.flatMap((q) => keysOf(q.keys).map((key) => q.client.zcount(key, since, '+inf'))));
  }

  private async sum(counts: Promise<number>[]): Promise<number> {
    let total = 0;
    for (const n of await Promise.all(counts)) total += n;
    return total;
  }
}

/** Horizon's `starting_at` (the index after which to read; -1 or absent: from the first) and the page size. */
function window(page: PageRequest): { start: number; limit: number } {
  const limit = Math.max(1, Math.floor(page.limit ?? DEFAULT_LIMIT));
  const start = page.startingAt === undefined || page.startingAt < 0 ? 0 : Math.floor(page.startingAt) + 1;
  return { start, limit };
}
