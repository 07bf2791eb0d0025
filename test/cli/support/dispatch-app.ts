import { Job, OnQueue, QueueModuleOptions } from '../../../lib';
import { createQueueApp, QueueTestApp } from '../../support/queue-app';
import { uniquePrefix } from '../../support/test-redis';

/**
 * The sending side of the CLI tests: this process dispatches with the library's Bus onto the Redis and prefix
 * the fixture app (test/fixtures/cli-app) uses; the CLI binary takes the jobs. Jobs are matched by their
 * registered names, so these classes only name the fixture's jobs; their handlers never run here.
 */
@Job()
export class QuickJob {
  async handle(_data: { n: number }): Promise<void> {
    throw new Error('QuickJob runs in the CLI process, not in the test');
  }
}

@Job({ timeout: 30 })
export class SlowJob {
  async handle(_data: { n: number; ms?: number; gate?: string }): Promise<void> {
    throw new Error('SlowJob runs in the CLI process, not in the test');
  }
}

@Job()
export class FailingJob {
  async handle(_data: { n: number }): Promise<void> {
    throw new Error('FailingJob runs in the CLI process, not in the test');
  }
}

@Job({ name: 'reports.build' })
@OnQueue('reports', 'other')
export class ReportJob {
  async handle(_data: { n: number }): Promise<void> {
    throw new Error('ReportJob runs in the CLI process, not in the test');
  }
}

/** Same connections and queues as the fixture app. */
export const fixtureConnections: QueueModuleOptions = {
  default: 'redis',
  connections: {
    redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 90, blockFor: null },
    other: { driver: 'redis', connection: 'queue', queue: 'other', retryAfter: 90, blockFor: null },
    sync: { driver: 'sync' },
  },
  queues: { priority: 'high,default' },
};

export function createDispatchApp(prefix = uniquePrefix('cli')): Promise<QueueTestApp> {
  return createQueueApp([QuickJob, SlowJob, FailingJob, ReportJob], { ...fixtureConnections, prefix });
}

/** Lets a SlowJob dispatched with this `gate` finish. */
export async function openGate(t: QueueTestApp, gate: string): Promise<void> {
  await t.redis.set(`${t.prefix}fixture:gate:${gate}`, '1');
}

/** What the fixture's jobs recorded, in order. */
export function fixtureLog(t: QueueTestApp): Promise<string[]> {
  return t.redis.lrange(`${t.prefix}fixture:log`, 0, -1);
}
