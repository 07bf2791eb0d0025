import 'reflect-metadata';

// Module and configuration
export { QueueModule } from './queue.module';
export type {
  QueueModuleOptions, QueueModuleAsyncOptions, QueueOptionsFactory, ConnectionOptions, RedisConnectionOptions,
  SyncConnectionOptions, DatabaseConnectionOptions, RedisServerOptions, RedisServerQueueOptions, DatabaseOptions, FailedStoreOptions, BatchingOptions, SupervisorOptions,
  HorizonOptions,
} from './config/queue-options.interface';
export type { ResolvedQueueConfig, ResolvedConnection } from './config/resolved-config.interface';
export { resolveQueueConfig } from './config/resolve-config';
export { QUEUE_CONFIG } from './queue.constants';

// Jobs
export * from './decorators';
export type { JobContext, JobMiddleware } from './worker/job-context.interface';

// Sending
export { Bus } from './bus/bus';
export { PendingDispatch } from './bus/pending-dispatch';
export { PendingChain } from './bus/pending-chain';
export type { ChainLink } from './bus/pending-chain';
export { PendingBatch } from './bus/pending-batch';
export type { BatchEntry } from './bus/pending-batch';
export type {
  TransactionHooks, KnexTransactionLike, TypeOrmTransactionLike, TypeOrmQueryRunnerLike, QueueTransaction, AfterCommitChoice,
} from './bus/transactions/transaction.types';

// Batches
export { Batch } from './batches/batch';
export { BatchRepository } from './batches/batch-repository.token';
export type { BatchRecord, BatchOptions } from './batches/batch-repository.interface';
export { job, JobDescriptor } from './bus/job-descriptor';
export type { JobClass, JobDataOf } from './bus/job-descriptor';
export type { Jsonify, NotPlainJson } from './bus/job-data.types';

// Taking
export { Worker } from './worker/worker';
export type { WorkerOptions, WorkerStopReason } from './worker/worker-options.interface';
export { WORKER_EXIT_CODES } from './worker/worker-options.interface';
export { QueueManager } from './drivers/queue-manager';
export type { QueueDriver, ReservedJob, QueueSizes } from './drivers/queue-driver.interface';

// Events
export * from './events/queue-event.classes';
export { QueueEvents } from './events/queue-events.service';
export type { QueueEventListener } from './events/queue-events.service';

// Failed jobs
export { FailedJobs } from './failed/failed-jobs.service';
export type { FailedJobRecord, FailedJobStore } from './failed/failed-job-store.interface';

// Middleware
export * from './middleware';

// Payload
export type { JobPayload, DescriptorPayload } from './payload/payload.interface';

// Scheduler
export * from './scheduler';
// Supervisors (Horizon)
export { HorizonState } from './supervisor/horizon-state';
export type { HorizonStatus, SupervisorOnMaster } from './supervisor/horizon-state';
export { MetricsRepository } from './supervisor/metrics-repository';
export type { Metrics, MetricsSnapshot } from './supervisor/metrics-repository';
export { MasterSupervisor } from './supervisor/master-supervisor';
export type { MasterService, MasterOptions } from './supervisor/master-supervisor';
export type { MasterState, MasterStatus } from './supervisor/master-registry';
export type { SupervisorState, SupervisorStatus } from './supervisor/supervisor';
export type { QueueWorkload } from './supervisor/wait-time-calculator';
export type { MasterCommand } from './supervisor/command-channel';
export { horizonRedis } from './supervisor/horizon-redis';

// CLI
export { bootstrapQueueCli } from './cli/bootstrap-queue-cli';
export { runQueueCli } from './cli/run-queue-cli';
export type { RunQueueCliOptions } from './cli/run-queue-cli';

// Errors
export * from './errors';
