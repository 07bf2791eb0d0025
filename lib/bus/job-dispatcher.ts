import { Inject, Injectable, Optional } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QueueManager } from '../drivers/queue-manager';
import { JobRegistry } from '../registry/job.registry';
import { AtomicStores } from '../stores/atomic-stores';
import { assertPlainJson, toPlainJson } from '../payload/json-data.validator';
import { queueName } from '../config/queue-names';
import { encodePayload, decodePayload } from '../payload/payload.codec';
import { PayloadEncrypter } from '../payload/payload-encrypter';
import { BOUND_ENCRYPTION_VERSION, CausePayload, DescriptorPayload, JobPayload, MAX_TRACE_LINKS, PLAIN_PAYLOAD_VERSION } from '../payload/payload.interface';
import { QueueEvents } from '../events/queue-events.service';
import { JobQueued } from '../events/queue-event.classes';
import { DispatchFailedError, PayloadTooLargeError, QueueError } from '../errors';
import { OutgoingJob, RedisQueueDriver } from '../drivers/redis/redis-queue.driver';
import type { QueueDriver } from '../drivers/queue-driver.interface';
import type { DatabaseQueueDriver } from '../drivers/database/database-queue.driver';
import { JobDescriptor } from './job-descriptor';
import { newJobId } from './job-id';
import { describeOptions, JobSpec, specFor } from './job-spec';
import { dispatchError, isUnknownOutcome } from './dispatch-error';
import { AfterCommitRequest, TransactionResolver } from './transactions/transaction-resolver';
import type { HeldTransaction } from './transactions/held-transaction';
import { outboxWriter, outboxWriterOfAll } from './transactions/outbox';
import { dispatchHeld, dispatchManyWithin, HeldJob } from './transactions/held-dispatch';
import { batchWritesWithin } from './transactions/batch-outbox';
import type { BatchRepository } from '../batches/batch-repository.interface';
import type { BatchWritesWithin } from '../batches/database-batch.repository';
import { QueueTelemetry, SendTrace } from '../telemetry/queue-telemetry';

/** Where and how one job is sent. */
export interface DispatchRequest {
  /** The job's registered definition, or the options a chain link carries for a class this process lacks. */
  definition: JobSpec;
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
  /** A batch callback's: the spans of the batch's jobs, for its span's links (the payload carries them only while an SDK traces). */
  traceLinks?: readonly string[];
  /** Replicas that must hold the job before the dispatch resolves; default: the Redis server's `replicas`. */
  replicas?: number;
  /** Wait for a transaction's commit (see TransactionResolver); undefined: as the connection's `afterCommit` says. */
  afterCommit?: AfterCommitRequest;
  /** `data` is a JSON copy already (a described batch job's): not checked again. */
  dataIsJson?: boolean;
}

interface Prepared {
  uuid: string;
  connection: string;
  queue: string;
  /** Seconds; undefined when no delay was asked for (a delay of 0 or less still goes through the delayed set). */
  delay?: number;
  encoded: string;
  uniqueKey?: string;
  uniqueFor?: number;
  name: string;
  replicas?: number;
}

/** The jobs of a dispatchMany call bound for one Redis server. */
interface ServerGroup {
  driver: RedisQueueDriver;
  /** Each job's index in the call. */
  index: number[];
  jobs: OutgoingJob[];
  replicas?: number;
}

/**
 * The sending side's one path: registry options → payload built and validated → unique lock → driver push →
 * JobQueued. Bus, chains, batches, retries and the worker's chain hand-off all come through here.
 */
@Injectable()
export class JobDispatcher {
  readonly encrypter: PayloadEncrypter;
  readonly transactions: TransactionResolver;

  constructor(
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
    private readonly manager: QueueManager,
    private readonly registry: JobRegistry,
    private readonly events: QueueEvents,
    private readonly telemetry: QueueTelemetry,
    private readonly stores: AtomicStores,
    @Optional() transactions?: TransactionResolver,
  ) {
    this.transactions = transactions ?? new TransactionResolver();
    this.encrypter = new PayloadEncrypter(config.keys, (name) => registry.byJobName(name)?.options.encrypted === true);
  }

  /** Sends one job; resolves to its id, or null when its unique lock is held. */
  dispatch(request: DispatchRequest): Promise<string | null> {
    return this.telemetry.send([request], (trace) => this.sendOne(request, trace));
  }

  private async sendOne(request: DispatchRequest, trace: SendTrace | null): Promise<string | null> {
    const prepared = this.prepare(request, trace?.traceparent);
    trace?.describe([prepared]);
    const held = this.heldFor(request.afterCommit, prepared.connection);
    if (held) return this.dispatchHeld(prepared, held);
    let sent: boolean;
    try {
      sent = await this.send(prepared);
    } catch (error) {
      throw dispatchError(error, `Could not dispatch ${prepared.name} to ${prepared.connection}:${prepared.queue}`, [prepared.uuid]);
    }
    if (!sent) return null;
    await this.queued(prepared);
    return prepared.uuid;
  }

  /**
   * Sends many jobs, all or nothing: the jobs bound for one Redis server go in one script call (every queue,
   * delay and unique lock of them in one step); when a later server fails, what went to the earlier ones is taken
   * back. The jobs of one database connection (any queues, ready or delayed) go in one pushAll (one transaction);
   * when it fails, what went to Redis is taken back. Resolves to their ids in order (null where a unique job's
   * lock was held). Jobs for a sync connection run last, one by one, once everything else is queued.
   */
  dispatchMany(requests: DispatchRequest[]): Promise<(string | null)[]> {
    return this.telemetry.send(requests, (trace) => this.prepareMany(requests, trace));
  }

  private async prepareMany(requests: DispatchRequest[], trace: SendTrace | null): Promise<(string | null)[]> {
    const prepared = requests.map((r) => this.prepare(r, trace?.traceparent));
    trace?.describe(prepared);
    let held: HeldTransaction | null = null;
    for (let i = 0; i < requests.length && !held; i++) held = this.heldFor(requests[i].afterCommit, prepared[i].connection);
    if (held) {
      // Every job on the transaction's own database: written by the transaction (the outbox), all or none.
      const written = await dispatchManyWithin(held, prepared.map((p) => this.heldJob(p)), (connection) => this.outboxOfAll(held as HeldTransaction, connection));
      if (written) return written;
      // The whole call waits for the commit and is then sent as one (unique locks are taken then).
      held.onCommit(() => this.sendMany(requests, prepared));
      return prepared.map((p) => p.uuid);
    }
    return this.sendMany(requests, prepared);
  }

  private async sendMany(requests: DispatchRequest[], prepared: Prepared[]): Promise<(string | null)[]> {
    const ids: (string | null)[] = prepared.map((p) => p.uuid);
    const servers = new Map<string, ServerGroup>();
    const inline: number[] = [];
    /** Jobs for a database connection, by connection: one pushAll each. */
    const tables = new Map<string, { driver: QueueDriver; index: number[] }>();
    // Where each connection's jobs go (null: one by one), looked up once per connection, not per job.
    const routeOf = new Map<string, { server: ServerGroup } | { database: QueueDriver } | null>();
    prepared.forEach((p, i) => {
      let route = routeOf.get(p.connection);
      if (route === undefined) {
        const settings = this.manager.settings(p.connection);
        const driver = this.manager.connection(p.connection);
        route = null;
        if (settings.driver === 'database') route = { database: driver };
        else if (settings.driver === 'redis' && driver instanceof RedisQueueDriver) {
          let server = servers.get(settings.server);
          if (!server) servers.set(settings.server, (server = { driver, index: [], jobs: [] }));
          route = { server };
        }
        routeOf.set(p.connection, route);
      }
      if (route === null) {
        inline.push(i);
        return;
      }
      if ('database' in route) {
        const table = tables.get(p.connection);
        if (table) table.index.push(i);
        else tables.set(p.connection, { driver: route.database, index: [i] });
        return;
      }
      const group = route.server;
      group.index.push(i);
      // The call is durable to the most replicas any of its jobs asks for (unset: the server's own setting).
      if (p.replicas !== undefined) group.replicas = Math.max(group.replicas ?? 0, p.replicas);
      group.jobs.push({
        queue: p.queue, payload: p.encoded, uuid: p.uuid, delay: p.delay,
        unique: p.uniqueKey ? { key: p.uniqueKey, seconds: p.uniqueFor } : undefined,
      });
    });
    const what = `Could not dispatch ${requests.length} job${requests.length === 1 ? '' : 's'}`;
    const sent: { driver: RedisQueueDriver; jobs: OutgoingJob[]; flags: boolean[] }[] = [];
    for (const group of servers.values()) {
      let flags: boolean[];
      try {
        flags = await group.driver.sendAll(group.jobs, group.replicas);
      } catch (error) {
        const missing = await this.takeBack(sent);
        const unknown = isUnknownOutcome(error);
        const ids = unknown ? group.jobs.map((j) => j.uuid) : prepared.map((p) => p.uuid);
        if (missing > 0 && !unknown && !(error instanceof QueueError)) {
          throw new DispatchFailedError(what, ids, error,
            `${missing} job${missing === 1 ? '' : 's'} already sent to another Redis server had been taken by a worker before ` +
              `${missing === 1 ? 'it' : 'they'} could be taken back, and may run; the rest of the call was taken back.`);
        }
        const others = sent.length ? ` (the jobs already sent to other Redis servers were taken back)` : '';
        throw dispatchError(error, `${what}${others}`, ids);
      }
      flags.forEach((ok, k) => ok || (ids[group.index[k]] = null));
      sent.push({ driver: group.driver, jobs: group.jobs, flags });
    }
    for (const { driver, index } of tables.values()) {
      try {
        await this.pushAllOnce(driver, index.map((i) => prepared[i]), ids, index);
      } catch (error) {
        // What went to Redis is taken back too, unless this push may have happened after all.
        if (!isUnknownOutcome(error)) await this.takeBack(sent);
        throw dispatchError(error, what, index.map((i) => prepared[i].uuid));
      }
    }
    for (const i of inline) {
      try {
        if (!(await this.send(prepared[i]))) ids[i] = null;
      } catch (error) {
        throw dispatchError(error, what, [prepared[i].uuid]);
      }
    }
    if (this.events.has(JobQueued)) {
      for (let i = 0; i < prepared.length; i++) if (ids[i]) await this.queued(prepared[i]);
    }
    return ids;
  }

  /**
   * The jobs of one database connection in one pushAll (one transaction: all or none, any queues and delays):
   * unique locks first (a held one makes its id null), freed again when the push fails.
   */
  private async pushAllOnce(driver: QueueDriver, jobs: Prepared[], ids: (string | null)[], index: number[]): Promise<void> {
    const chosen: Prepared[] = [];
    try {
      for (let k = 0; k < jobs.length; k++) {
        if (jobs[k].uniqueKey && !(await this.acquireUnique(jobs[k]))) ids[index[k]] = null;
        else chosen.push(jobs[k]);
      }
      if (chosen.length) {
        if (!isDatabaseDriver(driver)) throw new QueueError(`The connection "${jobs[0].connection}" is configured with driver 'database' but its driver cannot push many jobs at once.`);
        await driver.pushAll(chosen.map((p) => ({ queue: p.queue, payload: p.encoded, delay: p.delay })));
      }
    } catch (error) {
      if (!isUnknownOutcome(error)) for (const p of chosen) if (p.uniqueKey) await this.releaseUniqueQuietly(p);
      throw error;
    }
  }

  /** Takes back what a failing dispatchMany had sent; resolves to how many could not be (already taken). */
  private async takeBack(sent: { driver: RedisQueueDriver; jobs: OutgoingJob[]; flags: boolean[] }[]): Promise<number> {
    let missing = 0;
    for (const s of sent) {
      try {
        missing += await s.driver.unsendAll(s.jobs, s.flags);
      } catch {
        missing += s.flags.filter(Boolean).length;
      }
    }
    return missing;
  }

  /** Unique lock (if any), then the push; false when the lock is held. A failed push frees the lock it took. */
  private async send(p: Prepared): Promise<boolean> {
    if (p.uniqueKey && !(await this.acquireUnique(p))) return false;
    await this.push(p);
    return true;
  }

  /** A dispatch inside a transaction it waits for (see transactions/held-dispatch.ts). */
  private dispatchHeld(p: Prepared, held: HeldTransaction): Promise<string | null> {
    const write = outboxWriter(held, this.manager.settings(p.connection), this.config.databases, this.manager.connection(p.connection));
    return dispatchHeld(held, this.heldJob(p), write);
  }

  private heldJob(p: Prepared): HeldJob {
    return {
      ...p, unique: p.uniqueKey !== undefined,
      lock: () => this.acquireUnique(p), unlock: () => this.releaseUniqueQuietly(p), push: () => this.push(p), queued: () => this.queued(p),
    };
  }

  /** Writes many jobs of a connection through the open transaction, or null when it is not on that connection's database. */
  private outboxOfAll(held: HeldTransaction, connection: string) {
    return outboxWriterOfAll(held, this.manager.settings(connection), this.config.databases, this.manager.connection(connection));
  }

  /** A batch's writes on the open transaction when batches are stored on its database (see batch-outbox.ts), or null. */
  batchWritesWithin(held: HeldTransaction | null, repository: BatchRepository): Promise<BatchWritesWithin | null> {
    return batchWritesWithin(held, repository, this.config);
  }

  /** The transaction a dispatch to this connection (default: the default connection) waits for, or null. */
  heldFor(choice: AfterCommitRequest | undefined, connection?: string): HeldTransaction | null {
    if (choice === undefined || choice === true) {
      const settings = this.manager.settings(connection) as { afterCommit?: boolean };
      return this.transactions.resolve(choice, settings.afterCommit === true);
    }
    return this.transactions.resolve(choice, false);
  }

  /** The push of a job whose unique lock (if any) is taken; a failed push frees it. */
  private async push(p: Prepared): Promise<void> {
    try {
      const driver = this.manager.connection(p.connection);
      const options = p.replicas === undefined ? undefined : { replicas: p.replicas };
      if (p.delay !== undefined) await driver.later(p.queue, p.encoded, p.delay, options);
      else await driver.push(p.queue, p.encoded, options);
    } catch (error) {
      // When the push may have happened after all, the lock stays with the job that may be queued.
      if (p.uniqueKey && !isUnknownOutcome(error)) await this.releaseUniqueQuietly(p);
      throw error;
    }
  }

  /**
   * Turns a descriptor into what a chain or batch carries: registered name, checked data (encrypted, bound to the
   * descriptor's own id, when the job is encrypted), and the class's options, so a process that does not have
   * the class can send it.
   */
  describe(descriptor: JobDescriptor): DescriptorPayload {
    const definition = this.registry.forClass(descriptor.jobClass);
    const data = toPlainJson(descriptor.data);
    const out: DescriptorPayload = { job: definition.name, data, options: describeOptions(definition, data) };
    if (definition.options.encrypted) {
      out.id = uuidv7();
      out.data = this.encrypter.encrypt(JSON.stringify(data), { kind: 'link', name: definition.name, id: out.id });
      out.encrypted = true;
    }
    if (descriptor.connection) out.connection = descriptor.connection;
    if (descriptor.queue !== undefined) out.queue = queueName(descriptor.queue);
    if (descriptor.delaySeconds !== undefined) out.delay = descriptor.delaySeconds;
    return out;
  }

  /**
   * The request that sends a described job (a chain's next link, a batch callback): by its registered name, with
   * this process's definition when it has one, else with the options the descriptor carries.
   */
  requestFor(descriptor: DescriptorPayload, extra: Partial<DispatchRequest> = {}): DispatchRequest {
    const local = this.registry.byJobName(descriptor.job);
    const definition = specFor(descriptor, local);
    this.encrypter.assertLinkEncrypted(descriptor, `The chain link ${descriptor.job}`);
    const { chainConnection, chainQueue, ...rest } = stripUndefined(extra);
    const carriesChain = (rest.chain?.length ?? 0) > 0 || rest.chainCatch !== undefined;
    return {
      definition,
      data: this.encrypter.linkDataOf(descriptor),
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

  /** Frees a unique job's lock if that job still holds it (in the store of the job's connection). */
  async releaseUnique(connection: string, key: string, uuid: string): Promise<void> {
    await this.stores.forConnection(connection).releaseLock(key, uuid);
  }

  private prepare(r: DispatchRequest, trace?: string): Prepared {
    const { definition } = r;
    const o = definition.options;
    if (!r.dataIsJson) assertPlainJson(r.data);
    const settings = this.manager.settings(r.connection ?? definition.connection);
    const queue = queueName(r.queue ?? definition.queue ?? settings.queue);
    const uuid = newJobId();
    let data: unknown = r.data;
    if (o.encrypted) data = this.encrypter.encrypt(JSON.stringify(r.data), { kind: 'job', name: definition.name, id: uuid });
    const v = o.encrypted ? BOUND_ENCRYPTION_VERSION : PLAIN_PAYLOAD_VERSION;
    const payload: JobPayload = { v, attempts: 0, uuid, job: definition.name, data };
    if (o.tries !== undefined) payload.maxTries = o.tries;
    if (o.maxExceptions) payload.maxExceptions = o.maxExceptions;
    if (definition.backoff) payload.backoff = definition.backoff;
    if (o.timeout !== undefined) payload.timeout = o.timeout;
    if (o.failOnTimeout) payload.failOnTimeout = true;
    if (o.retryUntil) payload.retryUntil = toEpochSeconds(o.retryUntil(r.data));
    if (r.delay !== undefined && r.delay > 0) payload.delay = r.delay;
    if (r.batchId) payload.batchId = r.batchId;
    if (r.chain?.length) payload.chain = r.chain;
    if (r.chainCatch) payload.chainCatch = r.chainCatch;
    if (r.chainConnection) payload.chainConnection = r.chainConnection;
    if (r.chainQueue) payload.chainQueue = queueName(r.chainQueue);
    if (o.tags) payload.tags = o.tags(r.data);
    if (o.encrypted) payload.encrypted = true;
    if (o.deleteWhenMissing) payload.deleteWhenMissing = true;
    if (r.batchCallback) payload.batchCallback = true;
    if (r.cause) payload.cause = r.cause;
    if (trace) payload.trace = trace;
    if (trace && r.traceLinks?.length) payload.traceLinks = r.traceLinks.slice(0, MAX_TRACE_LINKS);
    let uniqueKey: string | undefined;
    if (o.unique) {
      uniqueKey = `${this.config.prefix}unique:${definition.name}:${o.unique.id ? o.unique.id(r.data) : ''}`;
      payload.uniqueKey = uniqueKey;
      if (o.unique.until === 'processing') payload.uniqueUntil = 'processing';
    }
    let encoded = encodePayload(payload);
    // The links never make a job too large to send: past the limit, the callback goes without them.
    if (payload.traceLinks && Buffer.byteLength(encoded) > this.config.maxPayloadBytes) {
      delete payload.traceLinks;
      encoded = encodePayload(payload);
    }
    const bytes = Buffer.byteLength(encoded);
    if (bytes > this.config.maxPayloadBytes) throw new PayloadTooLargeError(bytes, this.config.maxPayloadBytes, definition.name);
    return { uuid, connection: settings.name, queue, delay: r.delay, encoded, uniqueKey, uniqueFor: o.unique?.for, name: definition.name, replicas: r.replicas };
  }

  private acquireUnique(p: Prepared): Promise<boolean> {
    const ttlMs = p.uniqueFor ? Math.ceil(p.uniqueFor) * 1000 : 0;
    return this.stores.forConnection(p.connection).acquireLock(p.uniqueKey as string, p.uuid, ttlMs);
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
    await this.events.emit(new JobQueued(p.connection, p.uuid, p.name, p.queue, Math.max(0, p.delay ?? 0), p.encoded));
  }
}

export function toEpochSeconds(value: Date | number): number {
  const ms = value instanceof Date ? value.getTime() : value;
  return Math.floor(ms / 1000);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** A database connection's driver (a type check only: importing the class would load knex for every app). */
function isDatabaseDriver(driver: QueueDriver): driver is DatabaseQueueDriver {
  return typeof (driver as Partial<DatabaseQueueDriver>).pushAll === 'function';
}
