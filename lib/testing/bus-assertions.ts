import { isDeepStrictEqual } from 'node:util';
import { JobClass, JobDataOf, JobDescriptor } from '../bus/job-descriptor';
import { PendingBatch } from '../bus/pending-batch';
import type { ChainLink } from '../bus/pending-chain';
import { BusAssertionError } from './bus-assertion.error';
import { sameQueue } from '../config/queue-names';
import {
  bullets, ChainExpectation, describeBatch, describeLink, describeQueued, describeSync, DispatchedJob, DispatchedSyncJob, DispatchPredicate, listing,
  RecordedBatch, RecordedChain,
} from './recorded';

type SyncPredicate<C extends JobClass> = (data: JobDataOf<C>) => boolean;

const times = (n: number) => `${n} ${n === 1 ? 'time' : 'times'}`;
const matching = (predicate: unknown) => (predicate ? ' matching the predicate' : '');

/** BusFake's assertions over what it recorded; each failure says what was dispatched instead. */
export class BusAssertions {
  constructor(
    private readonly queued: readonly DispatchedJob[],
    private readonly sync: readonly DispatchedSyncJob[],
    private readonly chains: readonly RecordedChain[],
    private readonly batches: readonly RecordedBatch[],
  ) {}

  dispatched<C extends JobClass>(jobClass: C, predicate?: DispatchPredicate<C>): DispatchedJob<JobDataOf<C>>[] {
    const mine = this.queued.filter((j) => j.jobClass === jobClass) as DispatchedJob<JobDataOf<C>>[];
    return predicate ? mine.filter((j) => predicate(j.data, j)) : mine;
  }

  dispatchedSync<C extends JobClass>(jobClass: C, predicate?: SyncPredicate<C>): DispatchedSyncJob<JobDataOf<C>>[] {
    const mine = this.sync.filter((j) => j.jobClass === jobClass) as DispatchedSyncJob<JobDataOf<C>>[];
    return predicate ? mine.filter((j) => predicate(j.data)) : mine;
  }

  /** Queued and sync dispatches of the job that match (sync ones see a record without queue, connection or delay). */
  private all<C extends JobClass>(jobClass: C, predicate?: DispatchPredicate<C>): number {
    const sync = this.dispatchedSync(jobClass).filter((j) => !predicate || predicate(j.data, asRecord(j)));
    return this.dispatched(jobClass, predicate).length + sync.length;
  }

  assertDispatched<C extends JobClass>(jobClass: C, predicateOrTimes?: DispatchPredicate<C> | number): void {
    if (typeof predicateOrTimes === 'number') return this.assertDispatchedTimes(jobClass, predicateOrTimes);
    if (this.all(jobClass, predicateOrTimes) > 0) return;
    const count = this.all(jobClass);
    const what = predicateOrTimes && count > 0 ? `none of its ${count} ${count === 1 ? 'dispatch' : 'dispatches'} matched` : 'it was not';
    this.fail(`Expected ${jobClass.name} to be dispatched${matching(predicateOrTimes)}, but ${what}.`, this.everything());
  }

  assertDispatchedTimes<C extends JobClass>(jobClass: C, expected: number, predicate?: DispatchPredicate<C>): void {
    const actual = this.all(jobClass, predicate);
    if (actual === expected) return;
    this.fail(`Expected ${jobClass.name} to be dispatched${matching(predicate)} ${times(expected)}, but it was dispatched ${times(actual)}.`, this.everything());
  }

  assertNotDispatched<C extends JobClass>(jobClass: C, predicate?: DispatchPredicate<C>): void {
    const actual = this.all(jobClass, predicate);
    if (actual === 0) return;
    const found = [
      ...this.dispatched(jobClass, predicate).map(describeQueued),
      ...this.dispatchedSync(jobClass).filter((j) => !predicate || predicate(j.data, asRecord(j))).map(describeSync),
    ];
    throw new BusAssertionError(
      `Expected ${jobClass.name} not to be dispatched${matching(predicate)}, but it was dispatched ${times(actual)}:\n${bullets(found)}`,
    );
  }

  assertNothingDispatched(): void {
    const all = this.everything();
    if (all.length === 0) return;
    throw new BusAssertionError(`Expected nothing to be dispatched, but ${all.length} ${all.length === 1 ? 'job was' : 'jobs were'}:\n${bullets(all)}`);
  }

  assertDispatchedOn<C extends JobClass>(queue: string, jobClass: C, predicate?: DispatchPredicate<C>): void {
    if (this.dispatched(jobClass, predicate).some((j) => j.queue !== null && sameQueue(j.queue, queue))) return;
    this.fail(`Expected ${jobClass.name} to be dispatched on queue "${queue}"${matching(predicate)}, but it was not.`, this.queued.map(describeQueued));
  }

  assertDispatchedSync<C extends JobClass>(jobClass: C, predicateOrTimes?: SyncPredicate<C> | number): void {
    if (typeof predicateOrTimes === 'number') {
      const actual = this.dispatchedSync(jobClass).length;
      if (actual === predicateOrTimes) return;
      return this.fail(
        `Expected ${jobClass.name} to be dispatched with dispatchSync ${times(predicateOrTimes)}, but it was ${times(actual)}.`, this.everything(),
      );
    }
    if (this.dispatchedSync(jobClass, predicateOrTimes).length > 0) return;
    this.fail(`Expected ${jobClass.name} to be dispatched with dispatchSync${matching(predicateOrTimes)}, but it was not.`, this.everything());
  }

  assertChained(expected: ChainExpectation[]): void {
    if (this.chains.some((chain) => chain.links.length === expected.length && chain.links.every((link, i) => linkMatches(link, expected[i])))) return;
    const wanted = `[${expected.map((e) => (e === PendingBatch ? 'a batch' : describeLink(e as JobClass | JobDescriptor))).join(', ')}]`;
    throw new BusAssertionError(
      `Expected a chain of ${wanted} to be dispatched, but it was not.\n${listing(
        'Chains dispatched instead:', this.chains.map((c) => `[${c.links.map(describeLink).join(', ')}]`), 'No chain was dispatched.',
      )}`,
    );
  }

  assertBatched(predicate: (batch: RecordedBatch) => boolean): void {
    if (this.batches.some(predicate)) return;
    const what = this.batches.length ? `none of the ${this.batches.length} dispatched matched` : 'it was not';
    throw new BusAssertionError(
      `Expected a batch matching the predicate to be dispatched, but ${what}.\n${listing(
        'Batches dispatched instead:', this.batches.map(describeBatch), 'No batch was dispatched.',
      )}`,
    );
  }

  assertBatchCount(count: number): void {
    if (this.batches.length === count) return;
    throw new BusAssertionError(
      `Expected ${count} ${count === 1 ? 'batch' : 'batches'} to be dispatched, but ${this.batches.length} ${this.batches.length === 1 ? 'was' : 'were'}.\n${listing(
        'Batches dispatched:', this.batches.map(describeBatch), 'No batch was dispatched.',
      )}`,
    );
  }

  private everything(): string[] {
    return [...this.queued.map(describeQueued), ...this.sync.map(describeSync)];
  }

  private fail(message: string, instead: string[]): never {
    throw new BusAssertionError(`${message}\n${listing('Dispatched instead:', instead, 'Nothing was dispatched.')}`);
  }
}

function asRecord<D>(job: DispatchedSyncJob<D>): DispatchedJob<D> {
  return { id: '', jobClass: job.jobClass, data: job.data, queue: null, connection: null, delay: null, chain: null };
}

function linkMatches(link: ChainLink, expected: ChainExpectation): boolean {
  if (expected === PendingBatch || (typeof expected === 'function' && expected.prototype instanceof PendingBatch)) return link instanceof PendingBatch;
  if (!(link instanceof JobDescriptor)) return false;
  if (expected instanceof JobDescriptor) {
    return link.jobClass === expected.jobClass && isDeepStrictEqual(toJson(link.data), toJson(expected.data));
  }
  return link.jobClass === expected;
}

function toJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
