import { join } from 'node:path';
import type { RedisClient } from '../redis/redis-connections';
import { LuaScript } from '../redis/lua-script';
import { sendScript } from '../drivers/redis/script-sender';
import { BatchNotFoundError } from '../errors/batch.errors';
import type { BatchOptions, BatchRecord, BatchRepository, UpdatedBatchJobCounts } from './batch-repository.interface';
import { NewBatch, newBatchRecord } from './new-batch-record';
import { JOB_SPAN_SEPARATOR, keptSpan } from './job-spans';

/** Candidates one prune script call looks at, so a large prune never blocks Redis for long. */
const PRUNE_PAGE = 500;

/** The shared function (JS.keep) of the scripts that record a job's end and keep its span. */
const JOB_SPANS_PRELUDE = join(__dirname, 'scripts', 'job-spans.lua');
const KEEPING_SPANS: ReadonlySet<string> = new Set(['decrement-pending-jobs', 'increment-failed-jobs']);

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
  /** `count` job ids, then the spans of those of them that were traced. */
  nqBatchDecrementPendingJobs(key: string, count: number, ...idsThenSpans: string[]): Promise<Counts>;
  nqBatchIncrementFailedJobs(key: string, jobId: string, ...span: string[]): Promise<Counts>;
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
 * defined on a client while auto-pipelining is under way can break the pipeline it lands in. They are written
 * straight to the socket (sendScript), as the queue driver's are: a worker reports each job of a batch, and the
 * auto-pipeline's deferral and Pipeline object would add to every one of those round trips.
 */
function withScripts(redis: RedisClient): BatchScriptCommands {
  if (!scripts) {
    scripts = new Map();
    for (const [command, file] of Object.entries(SCRIPTS)) {
      scripts.set(command, new LuaScript(join(__dirname, 'scripts', `${file}.lua`), KEEPING_SPANS.has(file) ? JOB_SPANS_PRELUDE : undefined));
    }
  }
  const loaded = scripts;
  const call =
    (command: keyof typeof SCRIPTS) =>
    (key: string, ...args: (string | number)[]) =>
      sendScript(redis, loaded.get(command) as LuaScript, [key], args);
  return Object.fromEntries(Object.keys(SCRIPTS).map((c) => [c, call(c as keyof typeof SCRIPTS)])) as unknown as BatchScriptCommands;
}

/**
 * Batches in Redis. One hash per batch, `{prefix}{batches}:batch:{id}`, and a sorted set of batch ids by
 * creation time, `{prefix}{batches}:index`. The `{batches}` hash tag keeps every batch key in one cluster slot,
 * so the multi-key scripts (prune) work on a Redis Cluster. Every read-then-write is one Lua script.
 *
 * Hash fields: id, name, totalJobs, pendingJobs, failedJobs, failedJobIds (JSON array), options (JSON),
 * createdAt, cancelledAt, finishedAt (epoch milliseconds; a field is absent while its time is null), jobSpans (the
 * jobs' process spans, space-separated; absent while none was traced).
 *
 * The client belongs to the caller: `close()` leaves it open.
 */
export class RedisBatchRepository implements BatchRepository {
  private readonly scripts: BatchScriptCommands;
  private readonly client: RedisClient;
  private readonly hashPrefix: string;
  private readonly indexKey: string;
  /** Successes waiting for the end of the tick, by batch id (see decrementPendingJobs). */
  private pendingSuccesses: Map<string, SuccessWaiter[]> | null = null;

  constructor(redis: RedisClient, prefix: string) {
    this.client = redis;
    this.scripts = withScripts(redis);
    this.hashPrefix = `${prefix}{batches}:batch:`;
    this.indexKey = `${prefix}{batches}:index`;
  }

  async store(batch: NewBatch): Promise<BatchRecord> {
    const record = newBatchRecord(batch);
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

  /**
   * Successes of one batch reported in the same tick (a worker's concurrent slots finishing together) go in one
   * script call; each caller gets the counters as they stood right after its own job, as if the calls had run one
   * after another in the order they were made, so each transition is still seen by exactly one of them.
   */
  decrementPendingJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts> {
    let pending = this.pendingSuccesses;
    if (!pending) {
      pending = this.pendingSuccesses = new Map();
      process.nextTick(() => this.flushSuccesses());
    }
    let group = pending.get(id);
    if (!group) pending.set(id, (group = []));
    const waiters = group;
    return new Promise((resolve, reject) => waiters.push({ jobId, span: keptSpan(span), resolve, reject }));
  }

  private flushSuccesses(): void {
    const pending = this.pendingSuccesses;
    this.pendingSuccesses = null;
    if (!pending) return;
    for (const [id, waiters] of pending) {
      const args = waiters.map((w) => w.jobId);
      for (const w of waiters) if (w.span) args.push(w.span);
      this.scripts.nqBatchDecrementPendingJobs(this.key(id), waiters.length, ...args).then(
        (counts) => {
          if (!counts) {
            for (const w of waiters) w.reject(new BatchNotFoundError(id));
            return;
          }
          const after = this.found(id, counts);
          // The last caller's job is the one the counters stand after; each earlier one had one more pending.
          waiters.forEach((w, k) => w.resolve({ pendingJobs: after.pendingJobs + (waiters.length - 1 - k), failedJobs: after.failedJobs }));
        },
        (error: unknown) => {
          for (const w of waiters) w.reject(error);
        },
      );
    }
  }

  async incrementFailedJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts> {
    const kept = keptSpan(span);
    return this.found(id, await this.scripts.nqBatchIncrementFailedJobs(this.key(id), jobId, ...(kept ? [kept] : [])));
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

interface SuccessWaiter {
  jobId: string;
  span: string | undefined;
  resolve: (counts: UpdatedBatchJobCounts) => void;
  reject: (error: unknown) => void;
}

function toRecord(hash: Record<string, string>): BatchRecord | null {
  if (!hash.id) return null;
  const record: BatchRecord = {
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
  if (hash.jobSpans) record.jobSpans = hash.jobSpans.split(JOB_SPAN_SEPARATOR);
  return record;
}
