import { QueueError } from '../errors';
import type { Batch } from '../batches/batch';
import type { BatchLinkPayload, DescriptorPayload } from '../payload/payload.interface';
import { JobDescriptor } from './job-descriptor';
import type { JobDispatcher } from './job-dispatcher';
import type { BatchCoordinator } from './batch-coordinator';
import type { AfterCommitChoice, QueueTransaction } from './transactions/transaction.types';

/** One entry of a batch: a job, or an array of jobs that run as a chain inside the batch. */
export type BatchEntry = JobDescriptor | JobDescriptor[];

/**
 * A batch being built: `bus.batch([...]).name().allowFailures().then(job()).catch(job()).finally(job())
 * .onQueue().withOptions().dispatch()`. Callbacks are jobs, sent durably when their moment comes.
 */
export class PendingBatch {
  private batchName = '';
  private failuresAllowed = false;
  private readonly thenJobs: JobDescriptor[] = [];
  private readonly catchJobs: JobDescriptor[] = [];
  private readonly finallyJobs: JobDescriptor[] = [];
  private connection?: string;
  private queue?: string;
  private user: Record<string, unknown> = {};
  private afterCommitChoice?: AfterCommitChoice;

  constructor(
    private readonly dispatcher: JobDispatcher,
    private readonly coordinator: BatchCoordinator,
    private readonly jobs: BatchEntry[],
  ) {}

  name(name: string): this {
    this.batchName = name;
    return this;
  }

  /** Failures do not cancel the batch; `then` still waits for every job to succeed. */
  allowFailures(allow = true): this {
    this.failuresAllowed = allow;
    return this;
  }

  /** Sent when every job has succeeded. */
  then(job: JobDescriptor): this {
    if (!(job instanceof JobDescriptor)) {
      throw new QueueError('A PendingBatch is not a promise: call .dispatch() to send it; then() takes job(JobClass, data).');
    }
    this.thenJobs.push(job);
    return this;
  }

  /** Sent on the first failure; its JobContext.cause holds the error. */
  catch(job: JobDescriptor): this {
    this.catchJobs.push(job);
    return this;
  }

  /** Sent when every job has run, failed or not. */
  finally(job: JobDescriptor): this {
    this.finallyJobs.push(job);
    return this;
  }

  onConnection(connection: string): this {
    this.connection = connection;
    return this;
  }

  onQueue(queue: string): this {
    this.queue = queue;
    return this;
  }

  /**
   * Inside a transaction: the batch is stored at once, its jobs are sent when the transaction commits, and a
   * rollback deletes it. No argument: the @nestjs-cls/transactional transaction; or pass a knex `trx` /
   * `TransactionHooks`. With no transaction open, the batch is sent at once.
   */
  afterCommit(transaction?: QueueTransaction): this {
    this.afterCommitChoice = transaction ?? true;
    return this;
  }

  /** Send the batch's jobs at once, even inside a transaction on an `afterCommit: true` connection. */
  beforeCommit(): this {
    this.afterCommitChoice = false;
    return this;
  }

  /** Your own values, kept with the batch (`batch.options`). Plain JSON. */
  withOptions(options: Record<string, unknown>): this {
    this.user = { ...this.user, ...options };
    return this;
  }

  /** The batch as a chain link or a stored definition. Validates every job's data. */
  toLink(): BatchLinkPayload {
    const describe = (d: JobDescriptor): DescriptorPayload => {
      if (!(d instanceof JobDescriptor)) throw new QueueError('Batches take job descriptors: build each with job(JobClass, data).');
      return this.dispatcher.describe(d);
    };
    const link: BatchLinkPayload = {
      name: this.batchName,
      jobs: this.jobs.map((entry) => (Array.isArray(entry) ? entry.map(describe) : describe(entry))),
    };
    if (this.failuresAllowed) link.allowFailures = true;
    if (this.thenJobs.length) link.then = this.thenJobs.map(describe);
    if (this.catchJobs.length) link.catch = this.catchJobs.map(describe);
    if (this.finallyJobs.length) link.finally = this.finallyJobs.map(describe);
    if (this.connection) link.connection = this.connection;
    if (this.queue) link.queue = this.queue;
    if (Object.keys(this.user).length) link.user = JSON.parse(JSON.stringify(this.user));
    return link;
  }

  /** Stores the batch and sends its jobs; resolves to the Batch. */
  async dispatch(): Promise<Batch> {
    return this.coordinator.create(this.toLink(), {}, this.afterCommitChoice);
  }
}
