import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QUEUE_CONFIG, QUEUE_MODULE_OPTIONS, FAILED_JOB_STORE } from './queue.constants';
import type { QueueModuleAsyncOptions, QueueModuleOptions, QueueOptionsFactory } from './config/queue-options.interface';
import type { ResolvedQueueConfig } from './config/resolved-config.interface';
import { resolveQueueConfig } from './config/resolve-config';
import { RedisConnections } from './redis/redis-connections';
import { QueueManager } from './drivers/queue-manager';
import { AtomicStores } from './stores/atomic-stores';
import { JobRegistry } from './registry/job.registry';
import { JobExplorer } from './registry/job.explorer';
import { QueueEvents } from './events/queue-events.service';
import { JobDispatcher } from './bus/job-dispatcher';
import { TransactionResolver } from './bus/transactions/transaction-resolver';
import { SyncRunner } from './bus/sync-runner';
import { Bus } from './bus/bus';
import { JobRunner } from './worker/job-runner';
import { JobOutcomes } from './worker/job-outcomes';
import { Worker } from './worker/worker';
import { createFailedJobStore } from './failed/create-failed-job-store';
import type { FailedJobStore } from './failed/failed-job-store.interface';
import { FailedJobs } from './failed/failed-jobs.service';
import { QueueLifecycle } from './queue-lifecycle';
import { batchProviders, batchExports } from './batches/batch.providers';
import { BatchCoordinator } from './bus/batch-coordinator';
import { BATCH_HOOKS } from './worker/batch-hooks';
import { ScheduleTasks } from './scheduler/schedule-tasks';
import { Scheduler } from './scheduler/scheduler';
import { SCHEDULER_OPTIONS } from './scheduler/scheduler-clock';
import { QueueTelemetry } from './telemetry/queue-telemetry';

const coreProviders: Provider[] = [
  { provide: QUEUE_CONFIG, useFactory: (options: QueueModuleOptions) => resolveQueueConfig(options), inject: [QUEUE_MODULE_OPTIONS] },
  { provide: RedisConnections, useFactory: (config: ResolvedQueueConfig) => new RedisConnections(config), inject: [QUEUE_CONFIG] },
  {
    provide: FAILED_JOB_STORE,
    useFactory: (config: ResolvedQueueConfig, connections: RedisConnections): FailedJobStore => createFailedJobStore(config, connections),
    inject: [QUEUE_CONFIG, RedisConnections],
  },
  QueueManager,
  AtomicStores,
  JobRegistry,
  JobExplorer,
  QueueEvents,
  TransactionResolver,
  QueueTelemetry,
  JobDispatcher,
  JobOutcomes,
  JobRunner,
  { provide: SyncRunner, useExisting: JobRunner },
  Bus,
  Worker,
  FailedJobs,
  QueueLifecycle,
  ...batchProviders,
  BatchCoordinator,
  { provide: BATCH_HOOKS, useExisting: BatchCoordinator },
  ScheduleTasks,
  { provide: SCHEDULER_OPTIONS, useValue: {} },
  Scheduler,
];

const exported = [Bus, Worker, QueueManager, FailedJobs, QueueEvents, JobRegistry, JobDispatcher, RedisConnections, AtomicStores, QUEUE_CONFIG, Scheduler, ...batchExports];

/**
 * Laravel's queue system for Nest. `forRoot()` with no argument uses the seed's Redis connections and reads
 * the environment; a partial config is merged over those defaults. The module is global.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions = {}): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [{ provide: QUEUE_MODULE_OPTIONS, useValue: options }, ...coreProviders],
      exports: exported,
    };
  }

  static forRootAsync(options: QueueModuleAsyncOptions): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [...asyncOptionsProviders(options), ...coreProviders],
      exports: exported,
    };
  }
}

function asyncOptionsProviders(options: QueueModuleAsyncOptions): Provider[] {
  if (options.useFactory) {
    return [{ provide: QUEUE_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
  }
  const factoryClass = options.useClass ?? options.useExisting;
  if (!factoryClass) {
    throw new Error('QueueModule.forRootAsync() needs one of useFactory, useClass or useExisting.');
  }
  const providers: Provider[] = [
    {
      provide: QUEUE_MODULE_OPTIONS,
      useFactory: (factory: QueueOptionsFactory) => factory.createQueueOptions(),
      inject: [factoryClass],
    },
  ];
  if (options.useClass) providers.push({ provide: options.useClass, useClass: options.useClass });
  return providers;
}
