import { join } from 'node:path';
import type { QueueDriver, QueueSizes, ReservedJob } from '../queue-driver.interface';
import type { RedisClient, RedisConnections } from '../../redis/redis-connections';
import { LuaScript } from '../../redis/lua-script';
import { queueKeys, QueueKeys } from './queue-keys';

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
  private readonly keyCache = new Map<string, QueueKeys>();
  private blocking: RedisClient | null = null;

  constructor(
    private readonly connections: RedisConnections,
    private readonly options: RedisQueueDriverOptions,
  ) {
    this.connectionName = options.connectionName;
    this.retryAfter = options.retryAfter;
    this.blockFor = options.blockFor;
    this.client = connections.get(options.server);
    this.cluster = connections.isCluster(options.server);
  }

  keys(queue: string): QueueKeys {
    let keys = this.keyCache.get(queue);
    if (!keys) {
      keys = queueKeys(this.options.prefix, queue, this.cluster);
      this.keyCache.set(queue, keys);
    }
    return keys;
  }

  async push(queue: string, payload: string): Promise<void> {
    const k = this.keys(queue);
    await SCRIPTS.push.run(this.client, [k.ready, k.notify], [payload]);
  }

  async pushMany(queue: string, payloads: string[]): Promise<void> {
    const k = this.keys(queue);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < payloads.length; i += PUSH_CHUNK) {
      calls.push(SCRIPTS.push.run(this.client, [k.ready, k.notify], payloads.slice(i, i + PUSH_CHUNK)));
    }
    await Promise.all(calls);
  }

  async later(queue: string, payload: string, delaySeconds: number): Promise<void> {
    if (delaySeconds <= 0) return this.push(queue, payload);
    await SCRIPTS.later.run(this.client, [this.keys(queue).delayed], [delaySeconds, payload]);
  }

  async pop(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]> {
    if (queues.length === 0 || count <= 0) {
      if (ack) await this.ack(ack);
      return [];
    }
    if (!this.cluster || queues.length === 1) return this.reserve(queues, count, ack);
    // A cluster cannot run one script over keys of several slots: ack, then one queue at a time, in order.
    if (ack) await this.ack(ack);
    const out: ReservedJob[] = [];
    for (const queue of queues) {
      out.push(...(await this.reserve([queue], count - out.length)));
      if (out.length >= count) break;
    }
    return out;
  }

  private async reserve(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]> {
    const keys: string[] = [ack ? this.keys(ack.queue).reserved : this.keys(queues[0]).reserved];
    for (const queue of queues) {
      const k = this.keys(queue);
      keys.push(k.ready, k.delayed, k.reserved, k.notify);
    }
    const flat = await SCRIPTS.reserve.run<(number | string)[]>(this.client, keys, [this.retryAfter, ack ? ack.raw : '', count]);
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
    const k = this.keys(queue);
    const [ready, delayed, reserved] = await SCRIPTS.size.run<number[]>(this.client, [k.ready, k.delayed, k.reserved], []);
    return { ready, delayed, reserved };
  }

  async clear(queue: string): Promise<number> {
    const k = this.keys(queue);
    return SCRIPTS.clear.run<number>(this.client, [k.ready, k.delayed, k.reserved, k.notify], []);
  }

  async close(): Promise<void> {
    const blocking = this.blocking;
    this.blocking = null;
    if (blocking) await this.connections.release(blocking);
  }
}
