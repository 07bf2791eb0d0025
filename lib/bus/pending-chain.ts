import { QueueError } from '../errors';
import type { DescriptorPayload } from '../payload/payload.interface';
import { JobDescriptor } from './job-descriptor';
import { Routing } from './routing';
import type { JobDispatcher } from './job-dispatcher';
import type { BatchCoordinator } from './batch-coordinator';
import { PendingBatch } from './pending-batch';
import type { AfterCommitChoice, QueueTransaction } from './transactions/transaction.types';

/** A link of a chain: a job, or a batch the chain waits for. */
export type ChainLink = JobDescriptor | PendingBatch;

/**
 * Jobs run one after another: each is sent only when the one before it succeeded. On a failure the rest is
 * dropped and the `catch` job is sent. The rest of the chain travels inside each job's payload.
 */
export class PendingChain extends Routing {
  private catchJob?: JobDescriptor;
  private afterCommitChoice?: AfterCommitChoice;

  constructor(
    private readonly dispatcher: JobDispatcher,
    private readonly coordinator: BatchCoordinator,
    private readonly jobs: ChainLink[],
  ) {
    super();
  }

  /** The job sent when a job of the chain fails for good. */
  catch(job: JobDescriptor): this {
    this.catchJob = job;
    return this;
  }

  /**
   * The first link waits for the surrounding transaction's commit and is dropped on rollback (no argument: the
   * @nestjs-cls/transactional transaction; or pass a knex `trx` / `TransactionHooks`). The rest of the chain
   * follows as usual, from the worker. With no transaction open, it is sent at once.
   */
  afterCommit(transaction?: QueueTransaction): this {
    this.afterCommitChoice = transaction ?? true;
    return this;
  }

  /** Send the first link at once, even inside a transaction on an `afterCommit: true` connection. */
  beforeCommit(): this {
    this.afterCommitChoice = false;
    return this;
  }

  /** Sends the first link; resolves to the first job's id (null for an empty chain or one starting with a batch). */
  async dispatch(): Promise<string | null> {
    const links = this.jobs.filter((j) => j !== undefined && j !== null);
    if (links.some((j) => !(j instanceof JobDescriptor) && !(j instanceof PendingBatch))) {
      throw new QueueError('Bus.chain() takes job descriptors (job(JobClass, data)) and batches (bus.batch([...])).');
    }
    if (links.length === 0) return null;
    const described: DescriptorPayload[] = links.map((link) =>
      link instanceof PendingBatch ? { job: '', data: null, batch: link.toLink() } : this.dispatcher.describe(link),
    );
    const [first, ...rest] = described;
    if (this.delaySeconds !== undefined && first.delay === undefined && !first.batch) first.delay = this.delaySeconds;
    const context = {
      chain: rest,
      chainCatch: this.catchJob ? this.dispatcher.describe(this.catchJob) : undefined,
      chainConnection: this.connection,
      chainQueue: this.queue,
    };
    if (first.batch) {
      await this.coordinator.continueChain(first, context, this.afterCommitChoice);
      return null;
    }
    return this.dispatcher.dispatch({ ...this.dispatcher.requestFor(first, context), afterCommit: this.afterCommitChoice });
  }
}
