import 'reflect-metadata';

// nestjs-queue/testing: fakes for tests of code that dispatches jobs.
export { BusFake } from './bus-fake';
export { BusAssertionError } from './bus-assertion.error';
export type { DispatchedJob, DispatchedSyncJob, RecordedChain, RecordedBatch, DispatchPredicate, ChainExpectation } from './recorded';
export { InMemoryBatchRepository } from './in-memory-batch.repository';
export { runScheduleAt } from './run-schedule-at';
