import 'reflect-metadata';
import type { INestApplicationContext, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { Bus, QueueModule, QueueModuleOptions, Scheduler, SCHEDULER_OPTIONS, SchedulerClock, SchedulerOptions } from '../../../lib';
import { BusFake } from '../../../lib/testing';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../support/test-redis';

export interface SchedulerTestApp {
  app: INestApplicationContext;
  scheduler: Scheduler;
  bus: BusFake;
  prefix: string;
  redis: Redis;
  close(): Promise<void>;
}

/**
 * An app on the suite's Redis under a prefix of its own (or the one given, to share claims), with Bus replaced
 * by `bus` (a BusFake unless a test brings its own) and the Scheduler's options overridden.
 */
export async function createSchedulerApp(
  providers: Provider[],
  options: { queue?: QueueModuleOptions; scheduler?: SchedulerOptions; bus?: BusFake; prefix?: string } = {},
): Promise<SchedulerTestApp> {
  const prefix = options.prefix ?? uniquePrefix('sched');
  const url = testRedisUrl();
  const moduleRef = await Test.createTestingModule({
    imports: [QueueModule.forRoot({ redis: { queue: { url }, default: { url } }, failed: { driver: 'redis' }, ...options.queue, prefix })],
    providers,
  })
    .overrideProvider(Bus)
    .useValue(options.bus ?? new BusFake())
    .overrideProvider(SCHEDULER_OPTIONS)
    .useValue(options.scheduler ?? {})
    .compile();
  const app = await moduleRef.init();
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    app,
    scheduler: app.get(Scheduler),
    bus: app.get<BusFake>(Bus),
    prefix,
    redis,
    async close() {
      await app.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/**
 * A clock that never waits: each sleep moves time forward at once, until `end`, where it holds until the
 * scheduler is stopped. `reachedEnd` resolves when time has got there.
 */
export class FakeClock implements SchedulerClock {
  private t: number;
  private arrive!: () => void;
  readonly reachedEnd = new Promise<void>((resolve) => (this.arrive = resolve));

  constructor(
    start: Date,
    private readonly end: Date,
  ) {
    this.t = start.getTime();
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.t + ms >= this.end.getTime()) {
      this.t = this.end.getTime();
      this.arrive();
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    this.t += ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Rejects after `ms` with `what`, so no wait in a test is unbounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}
