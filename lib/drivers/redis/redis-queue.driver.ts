import { join } from 'node:path';
import type { AckOutcome, PushOptions, QueueDriver, QueueSizes, ReservedJob } from '../queue-driver.interface';
import type Redis from 'ioredis';
import type { RedisClient, RedisConnections } from '../../redis/redis-connections';
import { LuaScript } from '../../redis/lua-script';
import type { DispatchWriter } from '../../redis/dispatch-writer';
import { queueKeys, QueueKeys } from './queue-keys';
import { LegacyQueueDrain } from './legacy-drain';
import { sendScript } from './script-sender';
import { BulkSender, OutgoingJob } from './bulk-sender';
import type { RecordSettings } from './job-record-keys';
import { JobRecordWriter, recordingScript } from './job-record-writer';

export type { OutgoingJob } from './bulk-sender';

const script = (name: string) => new LuaScript(join(__dirname, 'scripts', `${name}.lua`));
const SCRIPTS = {
  push: recordingScript('push'),
  later: recordingScript('later'),
  reserve: recordingScript('reserve'),
  release: recordingScript('release'),
  ack: recordingScript('ack'),
  extend: script('extend'),
  size: script('size'),
  clear: script('clear'),
};

/** reserve.lua's records arguments when records are off. */
const NO_RECORDS = ['0', 0, 0, 0, 0, ''];

/** Most payloads one script call carries (Lua's unpack has a limit near 8000). */
const PUSH_CHUNK = 1000;

/** Pushes to one queue waiting for the end of the current tick, to go in one script call. */
interface PendingPushes {
  queue: string;
  /** Replicas this group's pushes wait for; undefined: the server's `replicas`. */
  replicas?: number;
  payloads: string[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** Pops (with their acks) over the same queues waiting for the end of the current tick. */
/**
 * A tick's pops over the same queues, when no call of theirs is in flight and there are at least this many, go as
 * two calls.
 */
const SPLIT_AT = 8;

/**
 * A job this driver reserved: with records on, when it was reserved (ms; negated when the job had a record of its
 * own then), kept on the job itself (a field every reservation has, so one object shape; 0 with records off).
 */
interface RecordedReservation extends ReservedJob {
  readonly reservedAt: number;
}

function reservedAtOf(job: ReservedJob): number | undefined {
  const at = (job as Partial<RecordedReservation>).reservedAt;
  return at === undefined || at === 0 ? undefined : at;
}

interface PendingPops {
  queues: readonly string[];
  requests: { count: number; ack?: ReservedJob; resolve: (jobs: ReservedJob[]) => void; reject: (error: unknown) => void }[];
}

export interface RedisQueueDriverOptions {
  connectionName: string;
  server: string;
  prefix: string;
  retryAfter: number;
  blockFor: number | null;
  /** Job records for the dashboard (`horizon.records`), written by the scripts; null or absent: none. */
  records?: RecordSettings | null;
}

/**
 * The Redis queue driver: Laravel's layout (ready list, delayed and reserved sets, notify list per queue),
 * every multi-key step one Lua script. Reservations are raised inside Redis by rewriting the payload's
 * `{"v":N,"attempts":N` prefix, never by decoding its JSON.
 */
export class RedisQueueDriver implements QueueDriver {
  readonly connectionName: string;
  readonly retryAfter: number;
  readonly blockFor: number | null;
  private readonly client: RedisClient;
  private readonly cluster: boolean;
  private writerOf: DispatchWriter | null = null;
  private readonly keyCache = new Map<string, QueueKeys>();
  private readonly legacy: LegacyQueueDrain;
  private blocking: RedisClient | null = null;
  /** The blocking client's CLIENT ID on its server (one server only), once known: its waits can be ended from here. */
  private blockingId: number | null = null;
  private pendingPushes: Map<string, PendingPushes> | null = null;
  private pendingPops: Map<string, PendingPops> | null = null;
  /** Reserve calls in flight per group of queues (flushPops). */
  private readonly popsInFlight = new Map<string, number>();
  private readonly bulk: BulkSender;
  /** Writes job records inside the queue's own script calls; null when `horizon.records` is off. */
  private readonly records: JobRecordWriter | null;
  /** Per queue, when (ms, this process's clock) its earliest delayed job is due, as the last pop that found too few jobs saw it. */
  private readonly dueAt = new Map<string, number>();

  constructor(
    private readonly connections: RedisConnections,
    private readonly options: RedisQueueDriverOptions,
  ) {
    this.connectionName = options.connectionName;
    this.retryAfter = options.retryAfter;
    this.blockFor = options.blockFor;
    this.client = connections.get(options.server);
    this.cluster = connections.isCluster(options.server);
    this.legacy = new LegacyQueueDrain(this.client, options.prefix, this.cluster);
    this.records = options.records ? new JobRecordWriter(options.records, options.prefix, options.connectionName) : null;
    this.bulk = new BulkSender(() => this.writer.client, this.cluster, (queue) => this.keys(queue), this.records);
  }

  /** Pushes go through it: retried through a failover, confirmed by replicas when the server asks for it. Made on first push. */
  private get writer(): DispatchWriter {
    return (this.writerOf ??= this.connections.writer(this.options.server));
  }

  keys(queue: string): QueueKeys {
    let keys = this.keyCache.get(queue);
    if (!keys) {
      keys = queueKeys(this.options.prefix, queue, this.cluster);
      this.keyCache.set(queue, keys);
    }
    return keys;
  }

  /**
   * Pushes made in the same tick (concurrent dispatches) are sent as one script call per queue at the end of
   * the tick; a lone push goes at once, in its own round trip.
   */
  push(queue: string, payload: string, options?: PushOptions): Promise<void> {
    let pending = this.pendingPushes;
    if (!pending) {
      pending = this.pendingPushes = new Map();
      process.nextTick(() => this.flushPushes());
    }
    const replicas = options?.replicas;
    const groupKey = replicas === undefined ? queue : `${queue}\u0000${replicas}`;
    let group = pending.get(groupKey);
    if (!group) {
      group = { queue, replicas, payloads: [], waiters: [] };
      pending.set(groupKey, group);
    }
    group.payloads.push(payload);
    return new Promise((resolve, reject) => (group as PendingPushes).waiters.push({ resolve, reject }));
  }

  private flushPushes(): void {
    const pending = this.pendingPushes;
    this.pendingPushes = null;
    if (!pending) return;
    for (const group of pending.values()) {
      const k = this.keys(group.queue);
      const calls: Promise<unknown>[] = [];
      const registering = this.registerRecords(group.queue);
      for (let i = 0; i < group.payloads.length; i += PUSH_CHUNK) {
        const chunk = group.payloads.length <= PUSH_CHUNK ? group.payloads : group.payloads.slice(i, i + PUSH_CHUNK);
        const args = this.pushArgs(group.queue, chunk);
        const call = () => this.writer.write(k.ready, (client) => sendScript(client, SCRIPTS.push, [k.ready, k.notify], args), group.replicas);
        calls.push(registering ? registering.then(call) : call());
      }
      const done = calls.length === 1 ? calls[0] : Promise.all(calls);
      done.then(
        () => {
          for (const w of group.waiters) w.resolve();
        },
        (error: unknown) => {
          for (const w of group.waiters) w.reject(error);
        },
      );
    }
  }

  async pushMany(queue: string, payloads: string[]): Promise<void> {
    const k = this.keys(queue);
    await this.registerRecords(queue);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < payloads.length; i += PUSH_CHUNK) {
      const args = this.pushArgs(queue, payloads.length <= PUSH_CHUNK ? payloads : payloads.slice(i, i + PUSH_CHUNK));
      calls.push(this.writer.write(k.ready, (client) => sendScript(client, SCRIPTS.push, [k.ready, k.notify], args)));
    }
    await Promise.all(calls);
  }

  /** push.lua's ARGV: '0' and the payloads, or '1', the records config, the payloads and the jobs that may need a record. */
  private pushArgs(queue: string, payloads: readonly string[]): string[] | (string | number)[] {
    const records = this.records;
    if (!records) return ['0', ...payloads];
    const args: (string | number)[] = ['1', ...records.configArgs(queue), payloads.length, ...payloads];
    payloads.forEach((payload, i) => {
      const job = records.jobArgs(payload);
      if (JobRecordWriter.mayRecordWhileWaiting(job)) args.push(i + 1, ...job);
    });
    return args;
  }

  /** Registers the queue as one with records (once per process; see JobRecordWriter.register). Never rejects. */
  private registerRecords(queue: string): Promise<void> | null {
    return this.records ? this.records.register(this.writer.client, queue) : null;
  }

  /**
   * Adds the payload to the delayed set, due `delaySeconds` from now. A delay of zero or less is a due time in the
   * past: the job is available at once, and such jobs come out oldest due time first (Laravel's delayed set order).
   */
  async later(queue: string, payload: string, delaySeconds: number, options?: PushOptions): Promise<void> {
    const { delayed, wake } = this.keys(queue);
    const records = this.records;
    await this.registerRecords(queue);
    const job = records?.jobArgs(payload);
    const args = records && job && JobRecordWriter.mayRecordWhileWaiting(job) ? [delaySeconds, payload, '1', ...records.configArgs(queue), ...job] : [delaySeconds, payload, '0'];
    await this.writer.write(delayed, (client) => SCRIPTS.later.run(client, [delayed, wake], args), options?.replicas);
  }

  /**
   * Sends the jobs of one dispatchMany call so that all are queued or none is (one script call; on a cluster one
   * per queue, the others taken back when one fails). Resolves to one flag per job: false when its unique lock
   * was held. Retried through a failover as single pushes are; with `replicas` (default: the server's), resolves
   * only once that many replicas of every master that took a part hold it.
   */
  async sendAll(jobs: readonly OutgoingJob[], replicas?: number): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    const readyKeys = [...new Set(jobs.map((job) => this.keys(job.queue).ready))];
    if (this.records) await Promise.all([...new Set(jobs.map((job) => job.queue))].map((queue) => this.registerRecords(queue)));
    const flags = await this.writer.write(readyKeys[0], () => this.bulk.sendAll(jobs), 0);
    await this.writer.confirmAll(readyKeys, replicas);
    return flags;
  }

  /** Takes back jobs sendAll sent (`sent` its flags); resolves to how many could not be found (already taken). */
  unsendAll(jobs: readonly OutgoingJob[], sent: readonly boolean[]): Promise<number> {
    return this.bulk.unsendAll(jobs, sent);
  }

  /**
   * Pops over the same queues made in the same tick (a worker's concurrent slots) share one script call: their
   * acks and reservations in one round trip, the jobs handed out in the order the pops were made.
   */
  pop(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]> {
    if (queues.length === 0 || count <= 0) return ack ? this.ack(ack).then(() => []) : Promise.resolve([]);
    const draining = this.legacy.before(queues);
    if (draining) return draining.then(() => this.pop(queues, count, ack));
    // On a cluster, pops of one queue (acking a job of that queue) share a tick's script call as on one server: one slot.
    if (this.cluster && (queues.length > 1 || (ack && ack.queue !== queues[0]))) return this.popOnCluster(queues, count, ack);
    let pending = this.pendingPops;
    if (!pending) {
      pending = this.pendingPops = new Map();
      process.nextTick(() => this.flushPops());
    }
    const key = queues.length === 1 ? queues[0] : queues.join('\u0000');
    let group = pending.get(key);
    if (!group) {
      group = { queues, requests: [] };
      pending.set(key, group);
    }
    const requests = group.requests;
    return new Promise((resolve, reject) => requests.push({ count, ack, resolve, reject }));
  }

  private flushPops(): void {
    const pending = this.pendingPops;
    this.pendingPops = null;
    if (!pending) return;
    for (const [key, group] of pending) {
      const requests = group.requests;
      if (requests.length >= SPLIT_AT && !this.popsInFlight.get(key)) {
        // No call of this group in flight: half now, half a moment later, so that Redis reserves the second half
        // while this process runs the first (two cohorts then take turns, see SPLIT_AT).
        const half = requests.length >> 1;
        this.sendPops(key, group.queues, requests.slice(0, half));
        const rest = requests.slice(half);
        setImmediate(() => this.sendPops(key, group.queues, rest));
      } else {
        this.sendPops(key, group.queues, requests);
      }
    }
  }

  private sendPops(key: string, queues: readonly string[], requests: PendingPops['requests']): void {
    let count = 0;
    const acks: ReservedJob[] = [];
    for (const r of requests) {
      count += r.count;
      if (r.ack) acks.push(r.ack);
    }
    const inFlight = this.popsInFlight;
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    this.reserve(queues, count, acks).then(
      (jobs) => {
        inFlight.set(key, (inFlight.get(key) as number) - 1);
        let next = 0;
        for (const r of requests) {
          const take = Math.min(r.count, jobs.length - next);
          r.resolve(take <= 0 ? [] : take === 1 ? [jobs[next]] : jobs.slice(next, next + take));
          next += Math.max(take, 0);
        }
      },
      (error: unknown) => {
        inFlight.set(key, (inFlight.get(key) as number) - 1);
        for (const r of requests) r.reject(error);
      },
    );
  }

  /** A cluster cannot run one script over keys of several slots: one queue at a time, each with its own ack. */
  private async popOnCluster(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]> {
    if (queues.length === 1 && (!ack || ack.queue === queues[0])) return this.reserve(queues, count, ack ? [ack] : []);
    if (ack) await this.ack(ack);
    const out: ReservedJob[] = [];
    for (const queue of queues) {
      out.push(...(await this.reserve([queue], count - out.length, [])));
      if (out.length >= count) break;
    }
    return out;
  }

  private async reserve(queues: readonly string[], count: number, acks: readonly ReservedJob[]): Promise<ReservedJob[]> {
    const keys: string[] = [];
    for (const queue of queues) {
      const k = this.keys(queue);
      keys.push(k.ready, k.delayed, k.reserved, k.notify, k.wake);
    }
    const records = this.records;
    const args: (string | number)[] = [this.retryAfter, count, queues.length, ...(records ? [records.reserveFlag(acks.length), ...records.trimArgs(), records.connection] : NO_RECORDS)];
    for (const ack of acks) {
      keys.push(this.keys(ack.queue).reserved);
      args.push(ack.raw);
      if (records) args.push(this.finishInfo(records, ack));
    }
    const flat = await sendScript<(number | string)[]>(this.client, SCRIPTS.reserve, keys, args);
    const jobs: ReservedJob[] = [];
    const at = Date.now();
    let i = 0;
    for (; i < flat.length && flat[i] !== 0; i += 2) {
      // A negative queue index: the job has a record of its own (reserve.lua).
      const index = flat[i] as number;
      const job: RecordedReservation = { queue: queues[Math.abs(index) - 1], raw: flat[i + 1] as string, reservedAt: records ? (index < 0 ? -at : at) : 0 };
      jobs.push(job);
    }
    if (jobs.length < count) {
      // The script looked at every queue and named those with a delayed job: what the idle wait may last.
      for (const queue of queues) this.dueAt.delete(queue);
      // After the 0, 0 that ends the jobs: queue index, ms until its earliest delayed job is due.
      for (i += 2; i < flat.length; i += 2) this.dueAt.set(queues[(flat[i] as number) - 1], at + (flat[i + 1] as number));
    }
    return jobs;
  }

  /** The record info the ack of `job` passes (JobRecordWriter.finishInfo). */
  private finishInfo(records: JobRecordWriter, job: ReservedJob, failedName?: string): string {
    const at = reservedAtOf(job);
    return records.finishInfo(job.queue, job.raw, at === undefined ? undefined : Math.abs(at), at !== undefined && at < 0, failedName);
  }


  /**
   * When (ms, this process's clock) the earliest delayed job of the queues is due, as the last pop over them that
   * found fewer jobs than asked saw it; null when none was delayed then.
   */
  nextDueAt(queues: readonly string[]): number | null {
    let earliest: number | null = null;
    for (const queue of queues) {
      const at = this.dueAt.get(queue);
      if (at !== undefined && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /**
   * Blocks until a push to one of the queues (a token on its notify list), a wake-up about a delayed job (its wake
   * list) or `seconds` (fractions allowed; nothing at all for 0 or less). On a cluster one BLPOP covers one slot:
   * the first queue's.
   */
  async waitForJobs(queues: readonly string[], seconds: number): Promise<void> {
    const served = this.cluster ? queues.slice(0, 1) : queues;
    // BLPOP takes one token; the reserve script takes the token of each job it pops.
    await this.block([...served.map((q) => this.keys(q).notify), ...served.map((q) => this.keys(q).wake)], seconds);
  }

  /**
   * A sleeping worker's sleep (a connection that does not block on pushes): `seconds`, cut short only by a wake-up
   * about a delayed job of the queues (their wake lists), never by a push.
   */
  async waitForDue(queues: readonly string[], seconds: number): Promise<void> {
    await this.block((this.cluster ? queues.slice(0, 1) : queues).map((q) => this.keys(q).wake), seconds);
  }

  /**
   * One BLPOP on the dedicated client. Redis ends a blocked client's timeout only on its next cron tick (up to
   * 1000 / hz ms late, 100 ms by default), so on one server the wait is also ended from here at its time, with
   * CLIENT UNBLOCK on the shared client: a delayed job starts at its due time, not a tick later.
   */
  private async block(keys: string[], seconds: number): Promise<void> {
    // BLPOP's timeout has millisecond precision; 0 would block for ever.
    const timeout = Math.floor(seconds * 1000) / 1000;
    if (keys.length === 0 || !(timeout > 0)) return;
    const blocking = this.blocking ?? this.openBlocking();
    // Connected before the BLPOP goes: ioredis gives a blocking command queued while its client connects a deadline
    // of its own (blockingTimeout, 5 s) and resolves it then while Redis goes on blocking it, and a token Redis later
    // hands that command is read by nobody. On one server the id comes with it (a round trip per connection).
    if (this.cluster) {
      if (blocking.status !== 'ready') await blocking.ping();
    } else if (this.blockingId === null) {
      const id = Number(await (blocking as Redis).client('ID'));
      if (this.blocking === blocking) this.blockingId = id;
    }
    const waiting = blocking.blpop(...keys, timeout);
    const id = this.blockingId;
    if (id === null) {
      await waiting;
      return;
    }
    const timer = setTimeout(() => void this.client.client('UNBLOCK', id, 'TIMEOUT').catch(() => undefined), timeout * 1000);
    try {
      await waiting;
    } finally {
      clearTimeout(timer);
    }
  }

  private openBlocking(): RedisClient {
    const client = this.connections.dedicatedClient(this.options.server);
    this.blocking = client;
    // A reconnected client has a new id, asked for before its next wait (sent now, it could queue behind a BLPOP).
    if (!this.cluster) client.on('ready', () => void (this.blockingId = null));
    return client;
  }

  /** Removes the reservation; with records on, in the same call the job's record is completed or failed. */
  async ack(job: ReservedJob, outcome?: AckOutcome): Promise<void> {
    const reserved = this.keys(job.queue).reserved;
    const records = this.records;
    if (!records) {
      await this.client.zrem(reserved, job.raw);
      return;
    }
    const failed = outcome?.failed;
    const args = [
      job.raw, failed ? 'failed' : 'completed', ...records.configArgs(job.queue),
      this.finishInfo(records, job, failed ? failed.name || 'unknown' : undefined), failed ? records.tagsOf(job.raw) : '', failed?.exception ?? '',
    ];
    await sendScript(this.client, SCRIPTS.ack, [reserved], args);
  }

  async release(job: ReservedJob, delaySeconds: number): Promise<boolean> {
    const k = this.keys(job.queue);
    const args = [job.raw, delaySeconds, this.records && (reservedAtOf(job) ?? 0) < 0 ? '1' : '0'];
    const moved = await SCRIPTS.release.run<number>(this.client, [k.reserved, k.delayed, k.ready, k.notify, k.wake], args);
    return moved === 1;
  }

  async extend(jobs: readonly ReservedJob[]): Promise<ReservedJob[]> {
    const byQueue = new Map<string, ReservedJob[]>();
    for (const job of jobs) {
      const list = byQueue.get(job.queue) ?? [];
      list.push(job);
      byQueue.set(job.queue, list);
    }
    const lost: ReservedJob[] = [];
    await Promise.all(
      [...byQueue].map(async ([queue, list]) => {
        const gone = await SCRIPTS.extend.run<string[]>(this.client, [this.keys(queue).reserved], [this.retryAfter, ...list.map((j) => j.raw)]);
        const goneSet = new Set(gone);
        for (const job of list) if (goneSet.has(job.raw)) lost.push(job);
      }),
    );
    return lost;
  }

  async size(queue: string): Promise<number> {
    const s = await this.sizes(queue);
    return s.ready + s.delayed + s.reserved;
  }

  async sizes(queue: string): Promise<QueueSizes> {
    await this.legacy.before([queue]);
    const k = this.keys(queue);
    const [ready, delayed, reserved] = await SCRIPTS.size.run<number[]>(this.client, [k.ready, k.delayed, k.reserved], []);
    return { ready, delayed, reserved };
  }

  async clear(queue: string): Promise<number> {
    await this.legacy.before([queue], true);
    const k = this.keys(queue);
    return SCRIPTS.clear.run<number>(this.client, [k.ready, k.delayed, k.reserved, k.notify, k.wake], []);
  }

  async close(): Promise<void> {
    const blocking = this.blocking;
    this.blocking = null;
    this.blockingId = null;
    if (blocking) await this.connections.release(blocking);
  }
}
