import { join } from 'node:path';
import type { RedisClient } from '../redis/redis-connections';
import { LuaScript } from '../redis/lua-script';
import { BatchNotFoundError } from '../errors/batch.errors';
import type { BatchOptions, BatchRecord, BatchRepository, UpdatedBatchJobCounts } from './batch-repository.interface';

/** Candidates one prune script call looks at, so a large prune never blocks Redis for long. */
const PRUNE_PAGE = 500;

/** The Lua scripts, by the ioredis command name they are registered under and their file in ./scripts. */
const SCRIPTS = {
  nqBatchIncrementTotalJobs: 'increment-total-jobs',
  nqBatchDecrementPendingJobs: 'decrement-pending-jobs',
  nqBatchIncrementFailedJobs: 'increment-failed-jobs',
  nqBatchCancel: 'cancel',
  nqBatchMarkAsFinished: 'mark-as-finished',
  nqBatchPrune: 'prune',
} as const;

type Counts = [pending: number, failed: number] | null;

/** The batch scripts, as functions of their one key and their arguments. */
interface BatchScriptCommands {
  nqBatchIncrementTotalJobs(key: string, amount: number): Promise<Counts>;
  nqBatchDecrementPendingJobs(key: string, jobId: string): Promise<Counts>;
  nqBatchIncrementFailedJobs(key: string, jobId: string): Promise<Counts>;
  nqBatchCancel(key: string, now: number): Promise<Counts>;
  nqBatchMarkAsFinished(key: string, now: number): Promise<Counts>;
  nqBatchPrune(
    index: string,
    hashPrefix: string,
    before: number,
    unfinished: '0' | '1',
    cancelled: '0' | '1',
    offset: number,
    count: number,
  ): Promise<[deleted: number, scanned: number, removed: number]>;
}

let scripts: Map<string, LuaScript> | undefined;

/**
 * The scripts as callable commands. They run through EVALSHA (LuaScript), not ioredis's defineCommand: a command
 * defined on a client while auto-pipelining is under way can break the pipeline it lands in.
 */
function withScripts(redis: RedisClient): BatchScriptCommands {
  if (!scripts) {
    scripts = new Map();
    for (const [command, file] of Object.entries(SCRIPTS)) scripts.set(command, new LuaScript(join(__dirname, 'scripts', `${file}.lua`)));
  }
  const loaded = scripts;
  const call =
    (command: keyof typeof SCRIPTS) =>
    (key: string, ...args: (string | number)[]) =>
      (loaded.get(command) as LuaScript).run(redis, [key], args);
  return Object.fromEntries(Object.keys(SCRIPTS).map((c) => [c, call(c as keyof typeof SCRIPTS)])) as unknown as BatchScriptCommands;
}

/**
 * Batches in Redis. One hash per batch, `{prefix}{batches}:batch:{id}`, and a sorted set of batch ids by
 * creation time, `{prefix}{batches}:index`. The `{batches}` hash tag keeps every batch key in one cluster slot,
 * so the multi-key scripts (prune) work on a Redis Cluster. Every read-then-write is one Lua script.
 *
 * Hash fields: id, name, totalJobs, pendingJobs, failedJobs, failedJobIds (JSON array), options (JSON),
 * createdAt, cancelledAt, finishedAt (epoch milliseconds; a field is absent while its time is null).
 *
 * The client belongs to the caller: `close()` leaves it open.
 */
export class RedisBatchRepository implements BatchRepository {
  private readonly scripts: BatchScriptCommands;
  private readonly client: RedisClient;
  private readonly hashPrefix: string;
  private readonly indexKey: string;

  constructor(redis: RedisClient, prefix: string) {
    this.client = redis;
    this.scripts = withScripts(redis);
    this.hashPrefix = `${prefix}{batches}:batch:`;
    this.indexKey = `${prefix}{batches}:index`;
  }

  async store(batch: { id: string; name: string; options: BatchOptions; createdAt: Date }): Promise<BatchRecord> {
    const record: BatchRecord = {
      id: batch.id,
      name: batch.name,
      totalJobs: 0,
      pendingJobs: 0,
      failedJobs: 0,
      failedJobIds: [],
      options: batch.options,
      createdAt: new Date(batch.createdAt.getTime()),
      cancelledAt: null,
      finishedAt: null,
    };
    const key = this.key(batch.id);
    const results = await this.client
      .multi()
      .del(key)
      .hset(key, {
        id: record.id,
        name: record.name,
        totalJobs: 0,
        pendingJobs: 0,
        failedJobs: 0,
        failedJobIds: '[]',
        options: JSON.stringify(record.options),
        createdAt: record.createdAt.getTime(),
      })
      .zadd(this.indexKey, record.createdAt.getTime(), record.id)
      .exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
    return record;
  }

  async find(id: string): Promise<BatchRecord | null> {
    return toRecord(await this.client.hgetall(this.key(id)));
  }

  async get(limit: number, before?: string): Promise<BatchRecord[]> {
    if (limit <= 0) return [];
    let start = 0;
    if (before !== undefined) {
      const rank = await this.client.zrevrank(this.indexKey, before);
      if (rank === null) return [];
      start = rank + 1;
    }
    const ids = await this.client.zrevrange(this.indexKey, start, start + limit - 1);
    const hashes = await Promise.all(ids.map((id) => this.client.hgetall(this.key(id))));
    return hashes.map(toRecord).filter((record): record is BatchRecord => record !== null);
  }

  async incrementTotalJobs(id: string, amount: number): Promise<void> {
    this.found(id, await this.scripts.nqBatchIncrementTotalJobs(this.key(id), amount));
  }

  async decrementPendingJobs(id: string, jobId: string): Promise<UpdatedBatchJobCounts> {
    return this.found(id, await this.scripts.nqBatchDecrementPendingJobs(this.key(id), jobId));
  }

  async incrementFailedJobs(id: string, jobId: string): Promise<UpdatedBatchJobCounts> {
    return this.found(id, await this.scripts.nqBatchIncrementFailedJobs(this.key(id), jobId));
  }

  async markAsFinished(id: string): Promise<void> {
    this.found(id, await this.scripts.nqBatchMarkAsFinished(this.key(id), Date.now()));
  }

  async cancel(id: string): Promise<void> {
    this.found(id, await this.scripts.nqBatchCancel(this.key(id), Date.now()));
  }

  async delete(id: string): Promise<void> {
    const results = await this.client.multi().del(this.key(id)).zrem(this.indexKey, id).exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  async prune(before: Date, options: { unfinished?: boolean; cancelled?: boolean } = {}): Promise<number> {
    let offset = 0;
    let total = 0;
    for (;;) {
      const [deleted, scanned, removed] = await this.scripts.nqBatchPrune(
        this.indexKey,
        this.hashPrefix,
        before.getTime(),
        options.unfinished ? '1' : '0',
        options.cancelled ? '1' : '0',
        offset,
        PRUNE_PAGE,
      );
      total += deleted;
      if (scanned < PRUNE_PAGE) return total;
      offset += scanned - removed;
    }
  }

  /** Nothing to create: the scripts are registered on the client at construction. */
  async setup(): Promise<void> {}

  /** The Redis client belongs to whoever passed it in; it stays open. */
  async close(): Promise<void> {}

  private key(id: string): string {
    return this.hashPrefix + id;
  }

  private found(id: string, counts: Counts): UpdatedBatchJobCounts {
    if (!counts) throw new BatchNotFoundError(id);
    return { pendingJobs: Number(counts[0]), failedJobs: Number(counts[1]) };
  }
}

function toRecord(hash: Record<string, string>): BatchRecord | null {
  if (!hash.id) return null;
  return {
    id: hash.id,
    name: hash.name ?? '',
    totalJobs: Number(hash.totalJobs ?? 0),
    pendingJobs: Number(hash.pendingJobs ?? 0),
    failedJobs: Number(hash.failedJobs ?? 0),
    failedJobIds: hash.failedJobIds ? (JSON.parse(hash.failedJobIds) as string[]) : [],
    options: hash.options ? (JSON.parse(hash.options) as BatchOptions) : {},
    createdAt: new Date(Number(hash.createdAt)),
    cancelledAt: hash.cancelledAt ? new Date(Number(hash.cancelledAt)) : null,
    finishedAt: hash.finishedAt ? new Date(Number(hash.finishedAt)) : null,
  };
}
