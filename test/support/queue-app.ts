import 'reflect-metadata';
import { INestApplicationContext, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { Bus, FailedJobs, QueueEvents, QueueManager, QueueModule, QueueModuleOptions, Worker } from '../../lib';
import { testRedisUrl, uniquePrefix, deletePrefix } from './test-redis';

export interface QueueTestApp {
  app: INestApplicationContext;
  bus: Bus;
  worker: Worker;
  events: QueueEvents;
  failed: FailedJobs;
  manager: QueueManager;
  prefix: string;
  redis: Redis;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

/**
 * A Nest application context with QueueModule on the suite's Redis, under a key prefix of its own, with the
 * failed store in Redis unless the test says otherwise. close() closes the app and deletes its keys.
 */
export async function createQueueApp(providers: Provider[], options: QueueModuleOptions = {}, imports: Type<unknown>[] = []): Promise<QueueTestApp> {
  const prefix = options.prefix ?? uniquePrefix();
  const url = testRedisUrl();
  const config: QueueModuleOptions = {
    redis: { queue: { url }, default: { url } },
    failed: { driver: 'redis' },
    ...options,
    prefix,
  };
  const moduleRef = await Test.createTestingModule({ imports: [QueueModule.forRoot(config), ...imports], providers }).compile();
  const app = await moduleRef.init();
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    app,
    bus: app.get(Bus),
    worker: withoutMemoryLimit(app.get(Worker)),
    events: app.get(QueueEvents),
    failed: app.get(FailedJobs),
    manager: app.get(QueueManager),
    prefix,
    redis,
    get: (type) => app.get(type, { strict: false }),
    async close() {
      await app.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/**
 * The worker's `memory` limit (128 MB of heap by default) measures the whole process; a long Jest run holds far
 * more than one app's heap, so test workers run without it unless a test sets it (tests of the limit do).
 */
function withoutMemoryLimit(worker: Worker): Worker {
  const run = worker.run.bind(worker);
  return Object.assign(Object.create(worker) as Worker, {
    run: (options: Parameters<Worker['run']>[0] = {}) => run({ memory: 0, ...options }),
  });
}
