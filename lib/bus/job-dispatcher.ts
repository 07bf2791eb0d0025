import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QueueManager } from '../drivers/queue-manager';
import { JobRegistry } from '../registry/job.registry';
import type { JobDefinition } from '../registry/job-definition';
import { assertPlainJson } from '../payload/json-data.validator';
import { encodePayload, decodePayload } from '../payload/payload.codec';
import { PayloadEncrypter } from '../payload/payload-encrypter';
import { CausePayload, DescriptorPayload, JobPayload, PAYLOAD_VERSION } from '../payload/payload.interface';
import { QueueEvents } from '../events/queue-events.service';
import { JobQueued } from '../events/queue-event.classes';
import { InvalidPayloadError, PayloadTooLargeError, QueueConnectionError, QueueError } from '../errors';
import { JobDescriptor } from './job-descriptor';

/** Where and how one job is sent. */
export interface DispatchRequest {
  definition: JobDefinition;
  data: unknown;
  connection?: string;
  queue?: string;
  /** Seconds. */
  delay?: number;
  batchId?: string;
  chain?: DescriptorPayload[];
  chainCatch?: DescriptorPayload;
  chainConnection?: string;
  chainQueue?: string;
  batchCallback?: boolean;
  cause?: CausePayload;
  /** Replicas that must hold the job before the dispatch resolves; default: the Redis server's `replicas`. */
  replicas?: number;
}

interface Prepared {
  uuid: string;
  connection: string;
  queue: string;
  delay: number;
  encoded: string;
  uniqueKey?: string;
  uniqueFor?: number;
  name: string;
  replicas?: number;
}

/**
 * The sending side's one path: registry options → payload built and validated → unique lock → driver push →
 * JobQueued. Bus, chains, batches, retries and the worker's chain hand-off all come through here.
 */
@Injectable()
export class JobDispatcher {
  readonly encrypter: PayloadEncrypter;

  constructor(
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
    private readonly manager: QueueManager,
    private readonly registry: JobRegistry,
    private readonly events: QueueEvents,
  ) {
    this.encrypter = new PayloadEncrypter(config.keys);
  }

  /** Sends one job; resolves to its id, or null when its unique lock is held. */
  async dispatch(request: DispatchRequest): Promise<string | null> {
    const prepared = this.prepare(request);
    let sent: boolean;
    try {
      sent = await this.send(prepared);
    } catch (error) {
      throw this.wrap(error, `Could not dispatch ${prepared.name} to ${prepared.connection}:${prepared.queue}`);
    }
    if (!sent) return null;
    await this.queued(prepared);
    return prepared.uuid;
  }

  /**
   * Sends many jobs. Those bound for the same connection and queue, without delay or unique lock, share one
   * round trip; the others are sent one by one.
   */
  async dispatchMany(requests: DispatchRequest[]): Promise<(string | null)[]> {
    const prepared = requests.map((r) => this.prepare(r));
    const ids: (string | null)[] = prepared.map((p) => p.uuid);
    const groups = new Map<string, Prepared[]>();
    const single: Promise<void>[] = [];
    prepared.forEach((p, i) => {
      if (p.uniqueKey || p.delay > 0 || this.manager.settings(p.connection).driver === 'sync') {
        single.push(this.send(p).then((sent) => void (sent || (ids[i] = null))));
        return;
      }
      const key = `${p.connection}\u0000${p.queue}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    });
    try {
      await Promise.all([
        ...single,
        ...[...groups.values()].map((g) => this.manager.connection(g[0].connection).pushMany(g[0].queue, g.map((p) => p.encoded))),
      ]);
    } catch (error) {
      throw this.wrap(error, `Could not dispatch ${requests.length} jobs`);
    }
    if (this.events.has(JobQueued)) {
      for (let i = 0; i < prepared.length; i++) if (ids[i]) await this.queued(prepared[i]);
    }
    return ids;
  }

  /** Unique lock (if any), then the push; false when the lock is held. A failed push frees the lock it took. */
  private async send(p: Prepared): Promise<boolean> {
    if (p.uniqueKey && !(await this.acquireUnique(p))) return false;
    try {
      const driver = this.manager.connection(p.connection);
      const options = p.replicas === undefined ? undefined : { replicas: p.replicas };
      if (p.delay > 0) await driver.later(p.queue, p.encoded, p.delay, options);
      else await driver.push(p.queue, p.encoded, options);
      return true;
    } catch (error) {
      if (p.uniqueKey) await this.releaseUniqueQuietly(p);
      throw error;
    }
  }

  /** Turns a descriptor into what a chain or batch carries in its payload: registered name, checked data. */
  describe(descriptor: JobDescriptor): DescriptorPayload {
    const definition = this.registry.forClass(descriptor.jobClass);
    assertPlainJson(descriptor.data);
    const out: DescriptorPayload = { job: definition.name, data: toJson(descriptor.data) };
    if (descriptor.connection) out.connection = descriptor.connection;
    if (descriptor.queue) out.queue = descriptor.queue;
    if (descriptor.delaySeconds) out.delay = descriptor.delaySeconds;
    return out;
  }

  /** The request that sends a described job (a chain's next link, a batch callback). */
  requestFor(descriptor: DescriptorPayload, extra: Partial<DispatchRequest> = {}): DispatchRequest {
    const definition = this.registry.byJobName(descriptor.job);
    if (!definition) {
      throw new InvalidPayloadError(`No job named "${descriptor.job}" is registered in this process, so it cannot be dispatched.`);
    }
    const { chainConnection, chainQueue, ...rest } = stripUndefined(extra);
    const carriesChain = (rest.chain?.length ?? 0) > 0 || rest.chainCatch !== undefined;
    return {
      definition,
      data: descriptor.data,
      connection: descriptor.connection ?? definition.connection ?? chainConnection,
      queue: descriptor.queue ?? definition.queue ?? chainQueue,
      delay: descriptor.delay,
      ...rest,
      ...(carriesChain ? { chainConnection, chainQueue } : {}),
    };
  }

  /** Pushes a failed job's payload back with attempts reset and retryUntil recomputed. */
  async retry(connection: string, queue: string, raw: string): Promise<void> {
    const payload = decodePayload(raw);
    payload.attempts = 0;
    const definition = this.registry.byJobName(payload.job);
    const retryUntil = definition?.options.retryUntil;
    if (retryUntil) payload.retryUntil = toEpochSeconds(retryUntil(this.encrypter.dataOf(payload)));
    await this.manager.connection(connection).push(queue, encodePayload(payload, true));
  }

  /** Frees a unique job's lock if that job still holds it. */
  async releaseUnique(connection: string, key: string, uuid: string): Promise<void> {
    await this.uniqueClient(connection).eval(RELEASE_IF_OWNER, 1, key, uuid);
  }

  private uniqueClient(connection: string) {
    const settings = this.manager.settings(connection);
    return this.manager.redis.get(settings.driver === 'redis' ? settings.server : this.uniqueServer());
  }

  private prepare(r: DispatchRequest): Prepared {
    const { definition } = r;
    const o = definition.options;
    assertPlainJson(r.data);
    const settings = this.manager.settings(r.connection ?? definition.connection);
    const queue = r.queue ?? definition.queue ?? settings.queue;
    const uuid = uuidv7();
    let data: unknown = r.data;
    if (o.encrypted) data = this.encrypter.encrypt(JSON.stringify(r.data), definition.name);
    const payload: JobPayload = { v: PAYLOAD_VERSION, attempts: 0, uuid, job: definition.name, data };
    if (o.tries !== undefined) payload.maxTries = o.tries;
    if (o.maxExceptions) payload.maxExceptions = o.maxExceptions;
    if (definition.backoff) payload.backoff = definition.backoff;
    if (o.timeout !== undefined) payload.timeout = o.timeout;
    if (o.failOnTimeout) payload.failOnTimeout = true;
    if (o.retryUntil) payload.retryUntil = toEpochSeconds(o.retryUntil(r.data));
    if (r.delay) payload.delay = r.delay;
    if (r.batchId) payload.batchId = r.batchId;
    if (r.chain?.length) payload.chain = r.chain;
    if (r.chainCatch) payload.chainCatch = r.chainCatch;
    if (r.chainConnection) payload.chainConnection = r.chainConnection;
    if (r.chainQueue) payload.chainQueue = r.chainQueue;
    if (o.tags) payload.tags = o.tags(r.data);
    if (o.encrypted) payload.encrypted = true;
    if (o.deleteWhenMissing) payload.deleteWhenMissing = true;
    if (r.batchCallback) payload.batchCallback = true;
    if (r.cause) payload.cause = r.cause;
    let uniqueKey: string | undefined;
    if (o.unique) {
      uniqueKey = `${this.config.prefix}unique:${definition.name}:${o.unique.id ? o.unique.id(r.data) : ''}`;
      payload.uniqueKey = uniqueKey;
      if (o.unique.until === 'processing') payload.uniqueUntil = 'processing';
    }
    const encoded = encodePayload(payload);
    const bytes = Buffer.byteLength(encoded);
    if (bytes > this.config.maxPayloadBytes) throw new PayloadTooLargeError(bytes, this.config.maxPayloadBytes, definition.name);
    return { uuid, connection: settings.name, queue, delay: r.delay ?? 0, encoded, uniqueKey, uniqueFor: o.unique?.for, name: definition.name, replicas: r.replicas };
  }

  private async acquireUnique(p: Prepared): Promise<boolean> {
    const client = this.uniqueClient(p.connection);
    const result = p.uniqueFor
      ? await client.set(p.uniqueKey as string, p.uuid, 'EX', Math.ceil(p.uniqueFor), 'NX')
      : await client.set(p.uniqueKey as string, p.uuid, 'NX');
    return result === 'OK';
  }

  private uniqueServer(): string {
    const def = this.manager.settings();
    if (def.driver === 'redis') return def.server;
    const first = Object.keys(this.config.redis)[0];
    if (!first) throw new QueueError('Unique jobs need a Redis server for their locks; define one under "redis".');
    return first;
  }

  private async releaseUniqueQuietly(p: Prepared): Promise<void> {
    try {
      await this.releaseUnique(p.connection, p.uniqueKey as string, p.uuid);
    } catch {
      // The lock expires on its own (or is released when the job runs).
    }
  }

  private async queued(p: Prepared): Promise<void> {
    if (!this.events.has(JobQueued)) return;
    await this.events.emit(new JobQueued(p.connection, p.uuid, p.name, p.queue, p.delay, p.encoded));
  }

  private wrap(error: unknown, what: string): Error {
    if (error instanceof QueueError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|max retries|Connection is closed|connect|timed out/i.test(message)) {
      return new QueueConnectionError(what, error);
    }
    return error instanceof Error ? error : new Error(message);
  }
}

const RELEASE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export function toEpochSeconds(value: Date | number): number {
  const ms = value instanceof Date ? value.getTime() : value;
  return Math.floor(ms / 1000);
}

function toJson(data: unknown): unknown {
  return data === undefined ? null : JSON.parse(JSON.stringify(data));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
