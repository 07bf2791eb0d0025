import { join } from 'node:path';
import type { PushOptions, QueueDriver, QueueSizes, ReservedJob } from '../queue-driver.interface';
import type { RedisClient, RedisConnections } from '../../redis/redis-connections';
import { LuaScript } from '../../redis/lua-script';
import type { DispatchWriter } from '../../redis/dispatch-writer';
import { queueKeys, QueueKeys } from './queue-keys';
import { LegacyQueueDrain } from './legacy-drain';
import { sendScript } from './script-sender';
import { BulkSender, OutgoingJob } from './bulk-sender';

export type { OutgoingJob } from './bulk-sender';

const script = (name: string) => new LuaScript(join(__dirname, 'scripts', `${name}.lua`));
const SCRIPTS = {
  push: script('push'),
  later: script('later'),
  reserve: script('reserve'),
  release: script('release'),
  extend: script('extend'),
  size: script('size'),
  clear: script('clear'),
};

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
  private pendingPushes: Map<string, PendingPushes> | null = null;
  private pendingPops: Map<string, PendingPops> | null = null;
  private readonly bulk: BulkSender;

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
    this.bulk = new BulkSender(() => this.writer.client, this.cluster, (queue) => this.keys(queue));
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
      for (let i = 0; i < group.payloads.length; i += PUSH_CHUNK) {
        const chunk = group.payloads.length <= PUSH_CHUNK ? group.payloads : group.payloads.slice(i, i + PUSH_CHUNK);
        calls.push(this.writer.write(k.ready, (client) => sendScript(client, SCRIPTS.push, [k.ready, k.notify], chunk), group.replicas));
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
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < payloads.length; i += PUSH_CHUNK) {
      const chunk = payloads.length <= PUSH_CHUNK ? payloads : payloads.slice(i, i + PUSH_CHUNK);
      calls.push(this.writer.write(k.ready, (client) => sendScript(client, SCRIPTS.push, [k.ready, k.notify], chunk)));
    }
    await Promise.all(calls);
  }

  /**
   * Adds the payload to the delayed set, due `delaySeconds` from now. A delay of zero or less is a due time in the
   * past: the job is available at once, and such jobs come out oldest due time first (Laravel's delayed set order).
   */
  async later(queue: string, payload: string, delaySeconds: number, options?: PushOptions): Promise<void> {
    const delayed = this.keys(queue).delayed;
    await this.writer.write(delayed, (client) => SCRIPTS.later.run(client, [delayed], [delaySeconds, payload]), options?.replicas);
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
    for (const { queues, requests } of pending.values()) {
      let count = 0;
      const acks: ReservedJob[] = [];
      for (const r of requests) {
        count += r.count;
        if (r.ack) acks.push(r.ack);
      }
      this.reserve(queues, count, acks).then(
        (jobs) => {
          let next = 0;
          for (const r of requests) {
            const take = Math.min(r.count, jobs.length - next);
            r.resolve(take <= 0 ? [] : take === 1 ? [jobs[next]] : jobs.slice(next, next + take));
            next += Math.max(take, 0);
          }
        },
        (error: unknown) => {
          for (const r of requests) r.reject(error);
        },
      );
    }
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
      keys.push(k.ready, k.delayed, k.reserved, k.notify);
    }
    const args: (string | number)[] = [this.retryAfter, count, queues.length];
    for (const ack of acks) {
      keys.push(this.keys(ack.queue).reserved);
      args.push(ack.raw);
    }
    const flat = await sendScript<(number | string)[]>(this.client, SCRIPTS.reserve, keys, args);
    const jobs: ReservedJob[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      jobs.push({ queue: queues[(flat[i] as number) - 1], raw: flat[i + 1] as string });
    }
    return jobs;
  }

  async waitForJobs(queues: readonly string[], seconds: number): Promise<void> {
    if (queues.length === 0) return;
    if (!this.blocking) this.blocking = this.connections.dedicatedClient(this.options.server);
    const notify = (this.cluster ? queues.slice(0, 1) : queues).map((q) => this.keys(q).notify);
    // BLPOP takes one token; the reserve script takes the token of each job it pops.
    await this.blocking.blpop(...notify, seconds);
  }

  async ack(job: ReservedJob): Promise<void> {
    await this.client.zrem(this.keys(job.queue).reserved, job.raw);
  }

  async release(job: ReservedJob, delaySeconds: number): Promise<boolean> {
    const k = this.keys(job.queue);
    const moved = await SCRIPTS.release.run<number>(this.client, [k.reserved, k.delayed, k.ready, k.notify], [job.raw, delaySeconds]);
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
    return SCRIPTS.clear.run<number>(this.client, [k.ready, k.delayed, k.reserved, k.notify], []);
  }

  async close(): Promise<void> {
    const blocking = this.blocking;
    this.blocking = null;
    if (blocking) await this.connections.release(blocking);
  }
}
