import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { InvalidFailedJobTimeError } from '../errors';
import { LuaScript } from '../redis/lua-script';
import type { RedisClient } from '../redis/redis-connections';
import { FAILED_RECORDS_PRELUDE, FailedRecordKeys } from './failed-job-records';
import type { FailedJobRecord, FailedJobStore } from './failed-job-store.interface';

const script = (name: string): LuaScript => new LuaScript(join(__dirname, 'scripts', name));
const LOG = script('failed-log.lua');
const FORGET = new LuaScript(join(__dirname, 'scripts', 'failed-forget.lua'), FAILED_RECORDS_PRELUDE);
const PRUNE = script('failed-prune.lua');
const QUEUE_IDS = script('failed-queue-ids.lua');

/** How many records one flush/prune script removes before handing Redis back to other clients. */
const BATCH = 500;

/**
 * Failed jobs in Redis: one hash per record, `{prefix}{failed}:job:{id}`, and a sorted set `{prefix}{failed}:jobs`
 * of ids scored by failedAt (ms). Every key carries the hash tag `{failed}`, so on a cluster they share a slot and
 * each write (log, forget, a flush/prune batch) is one atomic script.
 *
 * The Redis client belongs to the caller (RedisConnections): `close()` leaves it open.
 */
export class RedisFailedJobStore implements FailedJobStore {
  private readonly indexKey: string;
  private readonly recordKeyPrefix: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.indexKey = `${prefix}{failed}:jobs`;
    this.recordKeyPrefix = `${prefix}{failed}:job:`;
  }

  async setup(): Promise<void> {
    // Nothing to create: keys appear on first write.
  }

  async log(record: FailedJobRecord): Promise<void> {
    const failedAt = milliseconds(record.failedAt, 'failedAt');
    await LOG.run(this.redis, [this.recordKey(record.id), this.indexKey], [
      record.id,
      record.connection,
      record.queue,
      record.payload,
      record.exception,
      failedAt,
    ]);
  }

  async all(): Promise<FailedJobRecord[]> {
    const ids = await this.redis.zrevrange(this.indexKey, 0, -1);
    const hashes = await Promise.all(ids.map((id) => this.redis.hgetall(this.recordKey(id))));
    // A record forgotten between the two reads is skipped.
    return hashes.filter(isRecordHash).map(toRecord);
  }

  async find(id: string): Promise<FailedJobRecord | null> {
    const hash = await this.redis.hgetall(this.recordKey(id));
    return isRecordHash(hash) ? toRecord(hash) : null;
  }

  async ids(queue?: string): Promise<string[]> {
    if (queue === undefined) return this.redis.zrevrange(this.indexKey, 0, -1);
    return QUEUE_IDS.run<string[]>(this.redis, [this.indexKey], [this.recordKeyPrefix, queue]);
  }

  async forget(id: string): Promise<boolean> {
    const removed = await FORGET.run<number>(this.redis, [this.recordKey(id), this.indexKey], [id, 'store']);
    return removed === 1;
  }

  /**
   * Forgets the failed job and its entries in the dashboard's job records in one script, so neither is ever
   * left without the other. Only for records on this store's own client (same server) and not on a cluster,
   * where the two sit in different slots (see `holdsTogether`).
   */
  async forgetWithRecords(id: string, records: FailedRecordKeys): Promise<boolean> {
    const removed = await FORGET.run<number>(this.redis, [this.recordKey(id), this.indexKey, records.failed, records.record, records.data], [id, 'both', records.base]);
    return removed === 1;
  }

  /** True when one script can reach both this store's keys and records kept through `client`. */
  holdsTogether(client: RedisClient): boolean {
    return client === this.redis && !(client instanceof Cluster);
  }

  async flush(hours?: number): Promise<number> {
    if (hours === undefined) return this.removeUpTo('+inf');
    if (!Number.isFinite(hours)) throw new InvalidFailedJobTimeError('flush(hours)', hours);
    return this.prune(new Date(Date.now() - hours * 3_600_000));
  }

  async prune(before: Date): Promise<number> {
    return this.removeUpTo(`(${milliseconds(before, 'prune(before)')}`);
  }

  async close(): Promise<void> {
    // The client is shared and owned by RedisConnections.
  }

  private async removeUpTo(maxScore: string): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await PRUNE.run<number>(this.redis, [this.indexKey], [this.recordKeyPrefix, maxScore, BATCH]);
      total += removed;
      if (removed < BATCH) return total;
    }
  }

  private recordKey(id: string): string {
    return this.recordKeyPrefix + id;
  }
}

interface RecordHash {
  id: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  failed_at: string;
}

function isRecordHash(hash: Record<string, string>): hash is Record<string, string> & RecordHash {
  return typeof hash.id === 'string' && typeof hash.failed_at === 'string';
}

function toRecord(hash: RecordHash): FailedJobRecord {
  return {
    id: hash.id,
    connection: hash.connection ?? '',
    queue: hash.queue ?? '',
    payload: hash.payload ?? '',
    exception: hash.exception ?? '',
    failedAt: new Date(Number(hash.failed_at)),
  };
}

function milliseconds(value: Date, argument: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw new InvalidFailedJobTimeError(argument, value);
  return ms;
}
