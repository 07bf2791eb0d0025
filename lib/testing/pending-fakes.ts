import { QueueError } from '../errors';
import { assertPlainJson } from '../payload/json-data.validator';
import { JobDescriptor } from '../bus/job-descriptor';
import { BatchEntry, PendingBatch } from '../bus/pending-batch';
import { ChainLink, PendingChain } from '../bus/pending-chain';
import type { Batch } from '../batches/batch';
import type { JobDispatcher } from '../bus/job-dispatcher';
import type { BatchCoordinator } from '../bus/batch-coordinator';
import type { RecordedBatch, RecordedChain } from './recorded';
import { notWired } from './not-wired';

/** Checks what the real builders check before sending: descriptors only, with plain JSON data. */
export function assertDescriptor(entry: unknown, what: string): asserts entry is JobDescriptor {
  if (!(entry instanceof JobDescriptor)) throw new QueueError(`${what} take job descriptors: build each with job(JobClass, data).`);
  assertPlainJson(entry.data);
}

/** `bus.chain([...])` under BusFake: the same fluent builder; `dispatch()` records the chain instead of sending it. */
export class PendingChainFake extends PendingChain {
  private recordedCatch: JobDescriptor | null = null;

  constructor(
    private readonly links: ChainLink[],
    private readonly record: (chain: RecordedChain) => Promise<string | null>,
  ) {
    super(notWired<JobDispatcher>('dispatcher'), notWired<BatchCoordinator>('batch coordinator'), links);
  }

  override catch(job: JobDescriptor): this {
    this.recordedCatch = job;
    return super.catch(job);
  }

  /** Records the chain; resolves to the first job's generated id (null for an empty chain or one starting with a batch). */
  override async dispatch(): Promise<string | null> {
    const links = this.links.filter((l) => l !== undefined && l !== null);
    for (const link of links) {
      if (!(link instanceof PendingBatch)) assertDescriptor(link, 'Bus.chain() links');
    }
    if (this.recordedCatch) assertDescriptor(this.recordedCatch, 'A chain catch');
    return this.record({
      links,
      connection: this.connection ?? null,
      queue: this.queue ?? null,
      delay: this.delaySeconds ?? null,
      catchJob: this.recordedCatch,
    });
  }
}

/** `bus.batch([...])` under BusFake: the same fluent builder; `dispatch()` records the batch and returns an in-memory Batch. */
export class PendingBatchFake extends PendingBatch {
  private readonly state = {
    name: '',
    allowsFailures: false,
    thenJobs: [] as JobDescriptor[],
    catchJobs: [] as JobDescriptor[],
    finallyJobs: [] as JobDescriptor[],
    connection: null as string | null,
    queue: null as string | null,
    options: {} as Record<string, unknown>,
  };

  constructor(
    private readonly entries: BatchEntry[],
    private readonly record: (batch: Omit<RecordedBatch, 'id'>) => Promise<Batch>,
  ) {
    super(notWired<JobDispatcher>('dispatcher'), notWired<BatchCoordinator>('batch coordinator'), entries);
  }

  override name(name: string): this {
    this.state.name = name;
    return super.name(name);
  }

  override allowFailures(allow = true): this {
    this.state.allowsFailures = allow;
    return super.allowFailures(allow);
  }

  override then(job: JobDescriptor): this {
    this.state.thenJobs.push(job);
    return super.then(job);
  }

  override catch(job: JobDescriptor): this {
    this.state.catchJobs.push(job);
    return super.catch(job);
  }

  override finally(job: JobDescriptor): this {
    this.state.finallyJobs.push(job);
    return super.finally(job);
  }

  override onConnection(connection: string): this {
    this.state.connection = connection;
    return super.onConnection(connection);
  }

  override onQueue(queue: string): this {
    this.state.queue = queue;
    return super.onQueue(queue);
  }

  override withOptions(options: Record<string, unknown>): this {
    assertPlainJson(options, 'options');
    this.state.options = { ...this.state.options, ...options };
    return super.withOptions(options);
  }

  /** Records the batch; resolves to a Batch kept in memory (cancel, add and fresh work on it). */
  override async dispatch(): Promise<Batch> {
    for (const entry of this.entries) {
      for (const job of Array.isArray(entry) ? entry : [entry]) assertDescriptor(job, 'Batches');
    }
    for (const job of [...this.state.thenJobs, ...this.state.catchJobs, ...this.state.finallyJobs]) assertDescriptor(job, 'Batch callbacks');
    const { thenJobs, catchJobs, finallyJobs, options, ...rest } = this.state;
    return this.record({
      ...rest,
      jobs: [...this.entries],
      thenJobs: [...thenJobs],
      catchJobs: [...catchJobs],
      finallyJobs: [...finallyJobs],
      options: { ...options },
      pending: this,
    });
  }
}
