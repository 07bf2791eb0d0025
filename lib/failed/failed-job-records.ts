import { join } from 'node:path';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { jobRecordKeys, parseRecordedQueue, recordedQueuesKey, recordKey } from '../drivers/redis/job-record-keys';
import { LuaScript } from '../redis/lua-script';
import type { RedisClient, RedisConnections } from '../redis/redis-connections';
import type { FailedJobStore } from './failed-job-store.interface';

/** The functions the scripts that remove failed jobs' records share (FR.forget_record). */
export const FAILED_RECORDS_PRELUDE = join(__dirname, 'scripts', 'failed-records.lua');
const FORGET = new LuaScript(join(__dirname, 'scripts', 'failed-forget.lua'), FAILED_RECORDS_PRELUDE);
const PRUNE = new LuaScript(join(__dirname, 'scripts', 'failed-records-prune.lua'), FAILED_RECORDS_PRELUDE);

/** How many failed entries one prune script removes before handing Redis back to other clients. */
const BATCH = 500;

/**
 * The clocks of the workers (the failed store's failedAt), of Redis (the records' failure times) and of this
 * process may differ: a record that failed within this long of a prune's cutoff is removed only once the store is
 * seen not to hold it any more.
 */
const CLOCK_MARGIN_MS = 60_000;

/** A failed job's keys in the dashboard's job records (lib/drivers/redis/job-record-keys.ts). */
export interface FailedRecordKeys {
  /** The queue's records base, `queues:{N}:records:`. */
  base: string;
  /** The queue's failed list. */
  failed: string;
  /** The job's `job:<id>` record (a monitored job's). */
  record: string;
  /** The queue's data hash (the records of other jobs that ended, by id). */
  data: string;
}

/** Where a queue's job records live. */
export interface RecordsPlace {
  client: RedisClient;
  keys: FailedRecordKeys;
}

/**
 * The dashboard's job records of failed jobs, kept in step with the failed store: what `forget`, `flush` and
 * `prune-failed` remove from the store they remove from the records too, so the dashboard's failed page never
 * lists a job the store no longer holds. Records are written on the Redis server of the job's connection, in its
 * queue's slot.
 */
export class FailedJobRecords {
  constructor(
    private readonly config: Pick<ResolvedQueueConfig, 'connections' | 'prefix'>,
    private readonly connections: Pick<RedisConnections, 'get'>,
  ) {}

  /** Where the records of a job of `connection` and `queue` are; null when that connection is not a redis one. */
  place(connection: string, queue: string, id: string): RecordsPlace | null {
    const settings = this.config.connections[connection];
    if (!settings || settings.driver !== 'redis') return null;
    return { client: this.connections.get(settings.server), keys: this.keysOf(queue, id) };
  }

  /** Removes the failed job's entries from the records at `place` (one script, in the queue's slot). */
  async forget(place: RecordsPlace, id: string): Promise<void> {
    await FORGET.run(place.client, [place.keys.failed, place.keys.record, place.keys.data], [id, 'records', place.keys.base]);
  }

  /**
   * Failed entries of `id` in any queue's records (for a job the store does not hold: a record left by a removal
   * made before records were kept in step, or by another store). Removes them; true when there were some.
   */
  async forgetAnywhere(id: string): Promise<boolean> {
    let found = false;
    for (const { client, queue } of await this.recordedQueues()) {
      const keys = this.keysOf(queue, id);
      if ((await client.zscore(keys.failed, id)) === null) continue;
      await this.forget({ client, keys }, id);
      found = true;
    }
    return found;
  }

  /**
   * After the store removed the failed jobs that failed before `cutoff` (ms; Infinity: all of them, as of
   * `now`): removes the same jobs from every queue's records. Those that failed before cutoff - CLOCK_MARGIN_MS
   * go by their time alone (a script per 500); those within the margin only when the store no longer holds them.
   */
  async prune(store: FailedJobStore, cutoff: number, now = Date.now()): Promise<void> {
    const edge = Number.isFinite(cutoff) ? cutoff : now;
    for (const { client, queue } of await this.recordedQueues()) {
      const keys = this.keysOf(queue, '');
      while ((await PRUNE.run<number>(client, [keys.failed, keys.data], [keys.base, edge - CLOCK_MARGIN_MS, BATCH])) === BATCH);
      const near = await client.zrangebyscore(keys.failed, edge - CLOCK_MARGIN_MS, Number.isFinite(cutoff) ? `(${edge + CLOCK_MARGIN_MS}` : '+inf');
      for (const id of near) {
        if (await store.find(id)) continue;
        await this.forget({ client, keys: this.keysOf(queue, id) }, id);
      }
    }
  }

  private keysOf(queue: string, id: string): FailedRecordKeys {
    const keys = jobRecordKeys(this.config.prefix, queue);
    return { base: keys.base, failed: keys.failed, record: recordKey(keys, id), data: keys.data };
  }

  /** The queues with records on each Redis server of the redis connections (one SMEMBERS per server). */
  private async recordedQueues(): Promise<{ client: RedisClient; queue: string }[]> {
    const servers = new Set<string>();
    for (const c of Object.values(this.config.connections)) if (c.driver === 'redis') servers.add(c.server);
    const out: { client: RedisClient; queue: string }[] = [];
    for (const server of servers) {
      const client = this.connections.get(server);
      const queues = new Set<string>();
      for (const member of await client.smembers(recordedQueuesKey(this.config.prefix))) {
        const parsed = parseRecordedQueue(member);
        if (parsed) queues.add(parsed.queue);
      }
      for (const queue of [...queues].sort()) out.push({ client, queue });
    }
    return out;
  }
}
