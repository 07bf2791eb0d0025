import { Controller, DynamicModule, Module, Provider, Type } from '@nestjs/common';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QueueManager } from '../drivers/queue-manager';
import { QUEUE_CONFIG } from '../queue.constants';
import { RedisConnections } from '../redis/redis-connections';
import { horizonRedis } from '../supervisor/horizon-redis';
import { HorizonState } from '../supervisor/horizon-state';
import { BatchesController } from './controllers/batches.controller';
import { FailedController } from './controllers/failed.controller';
import { JobsController } from './controllers/jobs.controller';
import { MetricsController } from './controllers/metrics.controller';
import { MonitoringController } from './controllers/monitoring.controller';
import { OverviewController } from './controllers/overview.controller';
import { PageController } from './controllers/page.controller';
import { DashboardAssets, DASHBOARD_UI_DIR, DEFAULT_UI_DIR } from './dashboard-assets';
import type { DashboardHttpRequest, QueueDashboardAsyncOptions, QueueDashboardOptions } from './dashboard-options.interface';
import { dashboardSettings, normalizeDashboardPath } from './dashboard-settings';
import { DASHBOARD_OPTIONS } from './dashboard.constants';
import { DashboardAccessGuard } from './http/dashboard-access.guard';
import { DashboardStatsReader } from './http/dashboard-stats';
import { FailedRetrier } from './http/failed-retrier';
import { jobRecordsProvider } from './job-records.provider';
import { WaitingJobFinder } from './records/waiting-job-finder';

/** API controllers in the order routes are tried (Express tries them in order: `jobs/failed` before `jobs/:id`). */
const API_CONTROLLERS: Type<object>[] = [OverviewController, FailedController, JobsController, BatchesController, MetricsController, MonitoringController];

const providers: Provider[] = [
  {
    provide: HorizonState,
    useFactory: (config: ResolvedQueueConfig, connections: RedisConnections, manager: QueueManager) => new HorizonState(config, horizonRedis(config, connections), manager),
    inject: [QUEUE_CONFIG, RedisConnections, QueueManager],
  },
  { provide: DASHBOARD_UI_DIR, useValue: DEFAULT_UI_DIR },
  { provide: DashboardAssets, useFactory: (dir: string) => new DashboardAssets(dir), inject: [DASHBOARD_UI_DIR] },
  jobRecordsProvider,
  {
    provide: WaitingJobFinder,
    useFactory: (config: ResolvedQueueConfig, connections: RedisConnections) => WaitingJobFinder.of(config, connections),
    inject: [QUEUE_CONFIG, RedisConnections],
  },
  DashboardAccessGuard,
  DashboardStatsReader,
  FailedRetrier,
];

/**
 * Horizon's dashboard in a Nest app (Express or Fastify): pages under `/<path>`, the JSON API under
 * `/<path>/api`. Needs QueueModule in the app (it reads the queues' configuration, Redis, failed store, batches).
 */
@Module({})
export class QueueDashboardModule {
  static forRoot<TRequest = DashboardHttpRequest>(options: QueueDashboardOptions<TRequest> = {}): DynamicModule {
    const path = normalizeDashboardPath(options.path);
    return dashboardModule(path, { provide: DASHBOARD_OPTIONS, useValue: dashboardSettings(path, options) }, []);
  }

  /** The options from a factory (e.g. `authorize` from a ConfigService); `path` stays a plain option: it names routes. */
  static forRootAsync<TRequest = DashboardHttpRequest>(options: QueueDashboardAsyncOptions<TRequest>): DynamicModule {
    if (typeof options?.useFactory !== 'function') {
      throw new TypeError('QueueDashboardModule.forRootAsync() needs useFactory: (...injected) => ({ authorize, secret })');
    }
    const path = normalizeDashboardPath(options.path);
    const factory = options.useFactory as (...args: unknown[]) => ReturnType<typeof options.useFactory>;
    return dashboardModule(
      path,
      { provide: DASHBOARD_OPTIONS, useFactory: async (...args: unknown[]) => dashboardSettings(path, (await factory(...args)) ?? {}), inject: options.inject ?? [] },
      options.imports ?? [],
    );
  }
}

function dashboardModule(path: string, settings: Provider, imports: NonNullable<DynamicModule['imports']>): DynamicModule {
  return {
    module: QueueDashboardModule,
    imports,
    controllers: [...API_CONTROLLERS.map((c) => routed(`${path}/api`, c)), routed(path, PageController)],
    providers: [settings, ...providers],
  };
}

/** A controller class of its own for this path (the base's routes, guards and injections are inherited). */
function routed(prefix: string, base: Type<object>): Type<object> {
  const named = { [base.name]: class extends base {} }[base.name];
  Controller(prefix)(named);
  return named;
}
