import { Injectable } from '@nestjs/common';
import { JobRegistry } from '../registry/job.registry';
import { JobDispatcher } from './job-dispatcher';
import { PendingDispatch } from './pending-dispatch';
import { PendingChain, ChainLink } from './pending-chain';
import { PendingBatch, BatchEntry } from './pending-batch';
import { BatchCoordinator } from './batch-coordinator';
import type { Batch } from '../batches/batch';
import { JobClass, JobDataOf, JobDescriptor } from './job-descriptor';
import { SyncRunner } from './sync-runner';

/** Sends jobs: `dispatch`, `dispatchSync`, `dispatchIf`, `dispatchUnless`, `dispatchMany`, `chain`, `batch`. */
@Injectable()
export class Bus {
  constructor(
    protected readonly dispatcher: JobDispatcher,
    protected readonly registry: JobRegistry,
    protected readonly syncRunner: SyncRunner,
    protected readonly batches: BatchCoordinator,
  ) {}

  /** Queues the job; await the result for its id (null when a unique job's lock is held). */
  dispatch<C extends JobClass>(jobClass: C, data: JobDataOf<C>): PendingDispatch {
    return new PendingDispatch((o) =>
      this.dispatcher.dispatch({
        definition: this.registry.forClass(jobClass), data, connection: o.connection, queue: o.queue, delay: o.delay, replicas: o.replicas,
        afterCommit: o.afterCommit,
      }),
    );
  }

  /** Runs the job now, in this process, as the sync driver does; its failure is thrown to the caller. */
  async dispatchSync<C extends JobClass>(jobClass: C, data: JobDataOf<C>): Promise<void> {
    await this.syncRunner.run(this.registry.forClass(jobClass), data);
  }

  /** Dispatches only when `condition` is true; resolves to null otherwise. */
  dispatchIf<C extends JobClass>(condition: boolean | (() => boolean), jobClass: C, data: JobDataOf<C>): PromiseLike<string | null> {
    return (typeof condition === 'function' ? condition() : condition) ? this.dispatch(jobClass, data) : Promise.resolve(null);
  }

  /** Dispatches only when `condition` is false; resolves to null otherwise. */
  dispatchUnless<C extends JobClass>(condition: boolean | (() => boolean), jobClass: C, data: JobDataOf<C>): PromiseLike<string | null> {
    return (typeof condition === 'function' ? condition() : condition) ? Promise.resolve(null) : this.dispatch(jobClass, data);
  }

  /**
   * Queues many jobs at once: jobs bound for the same connection and queue go in one round trip.
   * Resolves to their ids in order (null where a unique job's lock was held).
   */
  dispatchMany(jobs: JobDescriptor[]): Promise<(string | null)[]> {
    return this.dispatcher.dispatchMany(
      jobs.map((j) => ({
        definition: this.registry.forClass(j.jobClass),
        data: j.data,
        connection: j.connection,
        queue: j.queue,
        delay: j.delaySeconds,
      })),
    );
  }

  /** Jobs run one after another; a link may be a batch. See PendingChain. */
  chain(links: ChainLink[]): PendingChain {
    return new PendingChain(this.dispatcher, this.batches, links);
  }

  /** Jobs run in parallel and tracked together; an array entry is a chain inside the batch. See PendingBatch. */
  batch(jobs: BatchEntry[]): PendingBatch {
    return new PendingBatch(this.dispatcher, this.batches, jobs);
  }

  /** The batch with this id, or null. */
  findBatch(id: string): Promise<Batch | null> {
    return this.batches.find(id);
  }
}
