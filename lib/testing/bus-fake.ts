import { Inject, Injectable, Optional } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { Bus } from '../bus/bus';
import { JobClass, JobDataOf, JobDescriptor } from '../bus/job-descriptor';
import { PendingDispatch } from '../bus/pending-dispatch';
import { PendingChain, ChainLink } from '../bus/pending-chain';
import { BatchEntry, PendingBatch } from '../bus/pending-batch';
import { Batch } from '../batches/batch';
import type { BatchRecord } from '../batches/batch-repository.interface';
import type { BatchHost } from '../batches/batch-host.interface';
import type { JobDispatcher } from '../bus/job-dispatcher';
import type { JobRegistry } from '../registry/job.registry';
import type { SyncRunner } from '../bus/sync-runner';
import type { BatchCoordinator } from '../bus/batch-coordinator';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { queueName } from '../config/queue-names';
import type { OnQueueMetadata } from '../decorators/on-queue.decorator';
import { JOB_METADATA, ON_QUEUE_METADATA, QUEUE_CONFIG } from '../queue.constants';
import { UnknownJobClassError } from '../errors';
import { assertPlainJson } from '../payload/json-data.validator';
import type { ChainExpectation, DispatchedJob, DispatchedSyncJob, DispatchPredicate, RecordedBatch, RecordedChain } from './recorded';
import { assertDescriptor, PendingBatchFake, PendingChainFake } from './pending-fakes';
import { InMemoryBatchRepository } from './in-memory-batch.repository';
import { notWired } from './not-wired';
import { BusAssertions } from './bus-assertions';

/**
 * A Bus that records instead of sending, with assertions (Laravel's `Bus::fake()`):
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(Bus).useClass(BusFake).compile();
 * const bus = moduleRef.get<BusFake>(Bus);
 * bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === user.id);
 * ```
 *
 * A dispatch is recorded when it is sent, i.e. awaited, as the real Bus sends it. `dispatchSync` runs nothing
 * and is recorded apart (`assertDispatchedSync`); like Laravel, `assertDispatched`, `assertDispatchedTimes`,
 * `assertNotDispatched` and `assertNothingDispatched` count both. The first job of a chain counts as dispatched;
 * the jobs of a batch do not (assert them with `assertBatched`). Batches live in memory: `findBatch` finds them.
 */
@Injectable()
export class BusFake extends Bus {
  private readonly queued: DispatchedJob[] = [];
  private readonly sync: DispatchedSyncJob[] = [];
  private readonly chains: RecordedChain[] = [];
  private readonly batchList: RecordedBatch[] = [];
  private readonly batchRepository = new InMemoryBatchRepository();
  private readonly assertions: BusAssertions;

  constructor(@Optional() @Inject(QUEUE_CONFIG) private readonly config?: ResolvedQueueConfig) {
    super(
      notWired<JobDispatcher>('dispatcher'),
      notWired<JobRegistry>('job registry'),
      notWired<SyncRunner>('sync runner'),
      notWired<BatchCoordinator>('batch coordinator'),
    );
    this.assertions = new BusAssertions(this.queued, this.sync, this.chains, this.batchList);
  }

  // ---- recording ------------------------------------------------------------------------------------------

  override dispatch<C extends JobClass>(jobClass: C, data: JobDataOf<C>): PendingDispatch {
    return new PendingDispatch(async (o) => this.recordQueued(jobClass, data, o.connection, o.queue, o.delay, null));
  }

  override async dispatchSync<C extends JobClass>(jobClass: C, data: JobDataOf<C>): Promise<void> {
    assertJobClass(jobClass);
    this.sync.push({ jobClass, data });
  }

  override async dispatchMany(jobs: JobDescriptor[]): Promise<(string | null)[]> {
    return Promise.all(jobs.map((j) => this.recordQueued(j.jobClass, j.data, j.connection, j.queue, j.delaySeconds, null)));
  }

  override chain(links: ChainLink[]): PendingChain {
    return new PendingChainFake(links, async (chain) => {
      this.chains.push(chain);
      const [first] = chain.links;
      if (first === undefined) return null;
      if (first instanceof PendingBatch) {
        await first.dispatch();
        return null;
      }
      const d = first as JobDescriptor;
      return this.recordQueued(d.jobClass, d.data, d.connection, d.queue, d.delaySeconds || chain.delay || undefined, chain);
    });
  }

  override batch(jobs: BatchEntry[]): PendingBatch {
    return new PendingBatchFake(jobs, async (described) => {
      const id = uuidv7();
      const recorded: RecordedBatch = { id, ...described };
      this.batchList.push(recorded);
      const total = recorded.jobs.reduce<number>((n, e) => n + (Array.isArray(e) ? e.length : 1), 0);
      await this.batchRepository.store({ id, name: recorded.name, options: { user: { ...recorded.options } }, createdAt: new Date() });
      if (total) await this.batchRepository.incrementTotalJobs(id, total);
      return new Batch((await this.batchRepository.find(id)) as BatchRecord, this.batchHost(recorded));
    });
  }

  override async findBatch(id: string): Promise<Batch | null> {
    const record = await this.batchRepository.find(id);
    const recorded = this.batchList.find((b) => b.id === id);
    return record && recorded ? new Batch(record, this.batchHost(recorded)) : null;
  }

  // ---- what was recorded -----------------------------------------------------------------------------------

  /** Queued dispatches of the job (not dispatchSync), optionally filtered by a predicate on the data. */
  dispatched<C extends JobClass>(jobClass: C, predicate?: DispatchPredicate<C>): DispatchedJob<JobDataOf<C>>[] {
    return this.assertions.dispatched(jobClass, predicate);
  }

  /** dispatchSync calls of the job, optionally filtered. */
  dispatchedSync<C extends JobClass>(jobClass: C, predicate?: (data: JobDataOf<C>) => boolean): DispatchedSyncJob<JobDataOf<C>>[] {
    return this.assertions.dispatchedSync(jobClass, predicate);
  }

  /** Batches dispatched, optionally filtered. */
  batched(predicate?: (batch: RecordedBatch) => boolean): RecordedBatch[] {
    return this.batchList.filter((b) => !predicate || predicate(b));
  }

  /** Chains dispatched. */
  chained(): RecordedChain[] {
    return [...this.chains];
  }

  // ---- assertions --------------------------------------------------------------------------------------------

  /** The job was dispatched (queued or sync): at least once matching the predicate, or exactly `times` times. */
  assertDispatched<C extends JobClass>(jobClass: C, predicateOrTimes?: DispatchPredicate<C> | number): void {
    this.assertions.assertDispatched(jobClass, predicateOrTimes);
  }

  /** The job was dispatched (queued or sync) exactly `times` times, matching the predicate if one is given. */
  assertDispatchedTimes<C extends JobClass>(jobClass: C, times: number, predicate?: DispatchPredicate<C>): void {
    this.assertions.assertDispatchedTimes(jobClass, times, predicate);
  }

  /** No dispatch (queued or sync) of the job matches the predicate (or none at all without one). */
  assertNotDispatched<C extends JobClass>(jobClass: C, predicate?: DispatchPredicate<C>): void {
    this.assertions.assertNotDispatched(jobClass, predicate);
  }

  /** Nothing was dispatched, queued or sync (batches are asserted apart). */
  assertNothingDispatched(): void {
    this.assertions.assertNothingDispatched();
  }

  /** The job was queued on `queue` (the queue it would go to), matching the predicate if one is given. */
  assertDispatchedOn<C extends JobClass>(queue: string, jobClass: C, predicate?: DispatchPredicate<C>): void {
    this.assertions.assertDispatchedOn(queue, jobClass, predicate);
  }

  /** The job was run with dispatchSync: at least once matching the predicate, or exactly `times` times. */
  assertDispatchedSync<C extends JobClass>(jobClass: C, predicateOrTimes?: ((data: JobDataOf<C>) => boolean) | number): void {
    this.assertions.assertDispatchedSync(jobClass, predicateOrTimes);
  }

  /** A chain of exactly these jobs was dispatched: job classes, or job(Class, data) descriptors to match data too. */
  assertChained(expected: ChainExpectation[]): void {
    this.assertions.assertChained(expected);
  }

  /** A batch matching the predicate was dispatched. */
  assertBatched(predicate: (batch: RecordedBatch) => boolean): void {
    this.assertions.assertBatched(predicate);
  }

  /** Exactly `count` batches were dispatched. */
  assertBatchCount(count: number): void {
    this.assertions.assertBatchCount(count);
  }

  /** No batch was dispatched. */
  assertNothingBatched(): void {
    this.assertions.assertBatchCount(0);
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  private async recordQueued(
    jobClass: JobClass, data: unknown, connection: string | undefined, queue: string | undefined, delay: number | undefined, chain: RecordedChain | null,
  ): Promise<string> {
    assertJobClass(jobClass);
    assertPlainJson(data);
    const onQueue = Reflect.getMetadata(ON_QUEUE_METADATA, jobClass) as OnQueueMetadata | undefined;
    // As the dispatcher: the dispatch's own setting, else the job's @OnQueue, else the chain's, else the default.
    const connectionName = connection ?? onQueue?.connection ?? chain?.connection ?? this.config?.default ?? null;
    const written = queue ?? onQueue?.queue ?? chain?.queue ?? (connectionName ? this.config?.connections[connectionName]?.queue : undefined);
    const resolvedQueue = written === undefined ? null : queueName(written);
    const id = uuidv7();
    this.queued.push({ id, jobClass, data, queue: resolvedQueue, connection: connectionName, delay: delay ? delay : null, chain });
    return id;
  }

  private batchHost(recorded: RecordedBatch): BatchHost {
    return {
      repository: this.batchRepository,
      addJobs: async (batch: BatchRecord, jobs: unknown[]) => {
        for (const entry of jobs) {
          for (const job of Array.isArray(entry) ? entry : [entry]) assertDescriptor(job, 'Batch.add()');
        }
        (recorded.jobs as BatchEntry[]).push(...(jobs as BatchEntry[]));
        const count = (jobs as BatchEntry[]).reduce<number>((n, e) => n + (Array.isArray(e) ? e.length : 1), 0);
        await this.batchRepository.incrementTotalJobs(batch.id, count);
      },
    };
  }
}

function assertJobClass(jobClass: JobClass): void {
  if (typeof jobClass !== 'function' || Reflect.getMetadata(JOB_METADATA, jobClass) === undefined) {
    throw new UnknownJobClassError((jobClass as { name?: string })?.name || String(jobClass));
  }
}
