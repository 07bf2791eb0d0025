import { Injectable, Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { BatchRepository } from '../batches/batch-repository.token';
import type { BatchOptions, BatchRecord } from '../batches/batch-repository.interface';
import type { BatchHost } from '../batches/batch-host.interface';
import { Batch } from '../batches/batch';
import { BatchTracker, BatchCallbackKind } from '../batches/batch-tracker';
import type { BatchHooks } from '../worker/batch-hooks';
import type { BatchLinkPayload, CausePayload, DescriptorPayload } from '../payload/payload.interface';
import { QueueEvents } from '../events/queue-events.service';
import { BatchFinished } from '../events/queue-event.classes';
import { InvalidPayloadError, QueueError } from '../errors';
import { JobDispatcher, DispatchRequest } from './job-dispatcher';
import { JobDescriptor } from './job-descriptor';
import { dispatchError, isUnknownOutcome } from './dispatch-error';
import type { AfterCommitRequest } from './transactions/transaction-resolver';
import type { BatchWritesWithin } from '../batches/database-batch.repository';
import type { HeldTransaction } from './transactions/held-transaction';
import { batchJobSpan } from '../telemetry/batch-job-span';

/** Where a chain goes on: its remaining links, catch, and default connection and queue. */
export interface ChainContext {
  chain?: DescriptorPayload[];
  chainCatch?: DescriptorPayload;
  chainConnection?: string;
  chainQueue?: string;
  batchId?: string;
}

/**
 * Batches on the sending side: creates them, adds jobs (totals raised before the push, so a fast job never
 * counts below zero), sends their callbacks durably as jobs, and continues chains through batch links.
 * It is also what the worker reports batch jobs to.
 */
@Injectable()
export class BatchCoordinator implements BatchHost, BatchHooks {
  private readonly tracker: BatchTracker;
  private readonly logger = new Logger('nestjs-queue');

  constructor(
    readonly repository: BatchRepository,
    private readonly dispatcher: JobDispatcher,
    private readonly events: QueueEvents,
  ) {
    this.tracker = new BatchTracker(
      repository,
      (batch, which, error) => this.dispatchCallbacks(batch, which, error),
      async (batch) => {
        if (this.events.has(BatchFinished)) await this.events.emit(new BatchFinished(batch.options.connection ?? '', batch.id));
      },
    );
  }

  async find(id: string): Promise<Batch | null> {
    const record = await this.repository.find(id);
    return record ? new Batch(record, this) : null;
  }

  /**
   * Called inside the job's attempt: while an OpenTelemetry SDK traces it, the batch keeps the attempt's span
   * (in the same update as the count) for its callbacks' links.
   */
  recordSuccessfulJob(batchId: string, jobId: string): Promise<void> {
    return this.tracker.recordSuccessfulJob(batchId, jobId, batchJobSpan(batchId));
  }

  /** As recordSuccessfulJob, for a job that failed for good. */
  recordFailedJob(batchId: string, jobId: string, error: Error): Promise<void> {
    return this.tracker.recordFailedJob(batchId, jobId, error, batchJobSpan(batchId));
  }

  /**
   * Stores a batch and sends its jobs. An empty batch finishes at once (its then and finally are sent). Inside a
   * transaction it waits for (see `afterCommit`), the batch is stored at once with its totals, its jobs are sent
   * when the transaction commits, and a rollback deletes it.
   */
  async create(link: BatchLinkPayload, chain: ChainContext = {}, afterCommit?: AfterCommitRequest): Promise<Batch> {
    const held = this.dispatcher.heldFor(afterCommit, link.connection);
    const options: BatchOptions = {
      allowFailures: link.allowFailures || undefined,
      then: link.then,
      catch: link.catch,
      finally: link.finally,
      connection: link.connection,
      queue: link.queue,
      user: link.user,
      chain: chain.chain?.length ? chain.chain : undefined,
      chainCatch: chain.chainCatch,
    };
    // Batches stored on the transaction's own database: the batch row is written by the transaction (the outbox),
    // with its jobs when they are on that database too, all in one savepoint (a failure leaves none of them).
    const within = await this.dispatcher.batchWritesWithin(held, this.repository);
    if (within) return within.atomically(() => this.storeAndSend(link, options, held, within));
    return this.storeAndSend(link, options, held, null);
  }

  private async storeAndSend(link: BatchLinkPayload, options: BatchOptions, held: HeldTransaction | null, within: BatchWritesWithin | null): Promise<Batch> {
    let record: BatchRecord;
    try {
      record = await (within ?? this.repository).store({ id: uuidv7(), name: link.name, options: stripUndefined(options), createdAt: new Date() });
    } catch (error) {
      throw dispatchError(error, `Could not store the batch "${link.name}"`, []);
    }
    try {
      if (link.jobs.length === 0) {
        const finish = async () => {
          await this.repository.markAsFinished(record.id);
          const finished = (await this.repository.find(record.id)) ?? record;
          for (const which of ['then', 'finally', 'chain'] as const) await this.dispatchCallbacks(finished, which);
        };
        if (held) held.onCommit(finish);
        else await finish();
      } else {
        await this.addJobs(record, link.jobs, held ?? false, true, within);
      }
    } catch (error) {
      // Jobs that may be queued keep their batch; when none was sent, the batch goes too (all or nothing).
      if (!isUnknownOutcome(error) && !within) await this.repository.delete(record.id).catch(() => undefined);
      throw dispatchError(error, `Could not dispatch the batch "${link.name}" (${record.id})`, []);
    }
    if (within) return new Batch(within.record(record.id) ?? record, this);
    // After the totals are taken back (addJobs' own rollback step), the batch goes.
    if (held) held.onRollback(() => this.repository.delete(record.id));
    return (await this.find(record.id)) as Batch;
  }

  /**
   * Batch.add(): raises the totals, then pushes the jobs, all or none (the totals go back down when none was sent)
   * (a nested array is a chain; each of its jobs counts). `described`: the entries that are not JobDescriptors
   * were described here already (a batch's own link), so their data is not checked a second time. `known`: the
   * transaction's writer when the caller looked it up already (null: none).
   */
  async addJobs(batch: BatchRecord, jobs: unknown[], afterCommit?: AfterCommitRequest, described = false, known?: BatchWritesWithin | null): Promise<void> {
    const held = this.dispatcher.heldFor(afterCommit, batch.options.connection);
    // On the transaction's own database the totals are raised by the transaction: a rollback takes them back.
    const within = known !== undefined ? known : await this.dispatcher.batchWritesWithin(held, this.repository);
    const clean = new WeakSet<DescriptorPayload>();
    const describe = (j: unknown): DescriptorPayload => {
      if (j instanceof JobDescriptor) {
        const d = this.dispatcher.describe(j);
        clean.add(d);
        return d;
      }
      if (j && typeof j === 'object' && typeof (j as DescriptorPayload).job === 'string') {
        if (described) clean.add(j as DescriptorPayload);
        return j as DescriptorPayload;
      }
      throw new QueueError('Batch jobs are job descriptors: build each with job(JobClass, data).');
    };
    const links = jobs.map((entry) => (Array.isArray(entry) ? entry.map(describe) : describe(entry)));
    const total = links.reduce<number>((n, l) => n + (Array.isArray(l) ? l.length : 1), 0);
    if (total === 0) return;
    const requests: DispatchRequest[] = [];
    for (const link of links) {
      const [first, ...rest] = Array.isArray(link) ? link : [link];
      if (!first) continue;
      if (first.batch) throw new QueueError('A batch cannot hold another batch directly; put it in a chain instead.');
      requests.push(
        this.dispatcher.requestFor(first, {
          batchId: batch.id,
          chainConnection: batch.options.connection,
          chainQueue: batch.options.queue,
          ...(rest.length ? { chain: rest } : {}),
          afterCommit: held ?? false,
          // Plain data of a described link is a JSON copy already; an encrypted link's is decrypted JSON.
          dataIsJson: clean.has(first) || first.encrypted === true,
        }),
      );
    }
    try {
      await (within ?? this.repository).incrementTotalJobs(batch.id, total);
    } catch (error) {
      throw dispatchError(error, `Could not add ${total} jobs to the batch ${batch.id}`, []);
    }
    // Held for a commit: a rollback takes the totals back down, so the batch can still finish.
    if (held && !within) held.onRollback(() => this.repository.incrementTotalJobs(batch.id, -total));
    try {
      await this.dispatcher.dispatchMany(requests);
    } catch (error) {
      // None was sent: the totals go back down, so the batch can still finish. (Unknown: they may run, keep them.)
      if (!isUnknownOutcome(error)) await (within ?? this.repository).incrementTotalJobs(batch.id, -total).catch(() => undefined);
      throw error;
    }
  }

  /** Sends the next link of a chain: a job, or a batch that continues the chain when it finishes. */
  async continueChain(next: DescriptorPayload, context: ChainContext, afterCommit?: AfterCommitRequest): Promise<void> {
    if (next.batch) {
      await this.create(
        { ...next.batch, connection: next.batch.connection ?? context.chainConnection, queue: next.batch.queue ?? context.chainQueue },
        context,
        afterCommit,
      );
      return;
    }
    await this.dispatcher.dispatch({ ...this.dispatcher.requestFor(next, context), afterCommit });
  }

  private async dispatchCallbacks(batch: BatchRecord, which: BatchCallbackKind, error?: Error): Promise<void> {
    const o = batch.options;
    const cause: CausePayload | undefined = error ? { name: error.name, message: error.message } : undefined;
    const defaults = { chainConnection: o.connection, chainQueue: o.queue };
    if (which === 'chain') {
      const [next, ...rest] = o.chain ?? [];
      if (next) await this.continueChain(next, { chain: rest, chainCatch: o.chainCatch, ...defaults });
      return;
    }
    if (which === 'chainCatch') {
      if (o.chainCatch) await this.dispatcher.dispatch(this.dispatcher.requestFor(o.chainCatch, { ...defaults, cause }));
      return;
    }
    const list = o[which] ?? [];
    for (const descriptor of list) {
      let request: DispatchRequest;
      try {
        // traceLinks: the batch's jobs' spans, for the callback's span to link to (written only while an SDK traces).
        request = this.dispatcher.requestFor(descriptor, { ...defaults, batchId: batch.id, batchCallback: true, cause, traceLinks: batch.jobSpans });
      } catch (refused) {
        // A callback that can never be sent (refused plain data, unknown class without options): say so, go on.
        if (!(refused instanceof InvalidPayloadError)) throw refused;
        this.logger.error(`The ${which} callback ${descriptor.job} of batch ${batch.id} could not be sent: ${refused.message}`);
        continue;
      }
      await this.dispatcher.dispatch(request);
    }
  }
}

function stripUndefined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}
