import 'reflect-metadata';
import { INestApplicationContext, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Bus, FailedJobs, QueueManager, QueueModule, QueueModuleOptions, Worker } from '../../../lib';
import type { RedisServerOptions, RedisServerQueueOptions } from '../../../lib';
import type { OwnedRedisCluster } from '../../support/redis-cluster';

export interface ClusterTestApp {
  app: INestApplicationContext;
  bus: Bus;
  worker: Worker;
  failed: FailedJobs;
  manager: QueueManager;
  close(): Promise<void>;
}

/**
 * A Nest application context with QueueModule on a test cluster (servers 'queue' and 'default'), the failed store and batches
 * in Redis. `prefix` undefined keeps the library's default prefix. The worker runs without its memory limit
 * (it measures the whole Jest process).
 */
export async function createClusterApp(
  cluster: OwnedRedisCluster,
  providers: Provider[],
  options: QueueModuleOptions = {},
  server: RedisServerQueueOptions = {},
): Promise<ClusterTestApp> {
  return createAppOn({ cluster: cluster.seeds, ...server }, providers, options);
}

/**
 * The same on any Redis set-up: `server` is both servers the defaults define ('queue' serves the default
 * connections, 'default' the rest); a server left to its default would be the machine's 127.0.0.1:6379.
 */
export async function createAppOn(server: RedisServerOptions, providers: Provider[], options: QueueModuleOptions = {}): Promise<ClusterTestApp> {
  const config: QueueModuleOptions = {
    redis: { queue: server, default: server },
    failed: { driver: 'redis' },
    batching: { driver: 'redis' },
    ...options,
  };
  const moduleRef = await Test.createTestingModule({ imports: [QueueModule.forRoot(config)], providers }).compile();
  const app = await moduleRef.init();
  const worker = app.get(Worker);
  const run = worker.run.bind(worker);
  return {
    app,
    bus: app.get(Bus),
    worker: Object.assign(Object.create(worker) as Worker, {
      run: (o: Parameters<Worker['run']>[0] = {}) => run({ memory: 0, ...o }),
    }),
    failed: app.get(FailedJobs),
    manager: app.get(QueueManager),
    close: () => app.close(),
  };
}
