import type { WorkerStopReason } from '../../lib';
import { OwnedRedis, startRedisServer } from '../support/redis-server';
import { uniquePrefix, waitUntil } from '../support/test-redis';
import type { QueueTestApp } from '../support/queue-app';
import { createFixtureApp, fixtureRecords } from './support/fixture-app';
import { takeDown } from './support/redis-down';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

/** Generous: a stop limit must hold within a few seconds of the outage; without the fix these runs never end. */
const BOUND_MS = 25000;

function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${BOUND_MS} ms`)), BOUND_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

describe.each([
  ['polling (blockFor null)', null],
  ['blocking (blockFor 1)', 1],
])('a %s worker keeps its stop limits while Redis is unreachable', (_label, blockFor) => {
  let redis: OwnedRedis;
  let t: QueueTestApp;
  beforeEach(async () => {
    redis = await startRedisServer();
    t = await createFixtureApp(redis.url, uniquePrefix('stop-outage'), 90, {
      connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 90, blockFor } },
    });
  });
  afterEach(async () => {
    await redis.restart().catch(() => undefined);
    await t.close();
    await redis.stop();
  });

  const runDuringOutage = async (options: Parameters<QueueTestApp['worker']['run']>[0]): Promise<WorkerStopReason> => {
    await takeDown(redis);
    return within(t.worker.run({ sleep: 0.1, ...options }), `the worker stopping (${JSON.stringify(options)})`);
  };

  it('maxTime: stops for max-time', async () => {
    expect(await runDuringOutage({ maxTime: 2 })).toBe('max-time');
  }, 40000);

  it('stopWhenEmpty: stops for empty (no job can be had, as Laravel counts a failed pop)', async () => {
    expect(await runDuringOutage({ stopWhenEmpty: true })).toBe('empty');
  }, 40000);

  it('once: stops for once', async () => {
    expect(await runDuringOutage({ once: true })).toBe('once');
  }, 40000);

  it('stop() (what a signal does): stops for stopped', async () => {
    await takeDown(redis);
    const running = t.worker.run({ sleep: 0.1 });
    await new Promise((resolve) => setTimeout(resolve, 3000)); // well into the outage: failed polls meanwhile
    await within(t.worker.stop(), 'stop() resolving');
    expect(await running).toBe('stopped');
  }, 40000);

  it('maxJobs: a job in hand when Redis goes away still counts, and the worker stops for max-jobs', async () => {
    await t.bus.dispatch(SleepJob, { ms: 1500, track: true });
    const running = t.worker.run({ sleep: 0.1, maxJobs: 1, tries: 3 });
    await waitUntil(async () => (await fixtureRecords(t)).started.length === 1, 'the job to start');
    await takeDown(redis);
    expect(await within(running, 'the worker stopping for max-jobs')).toBe('max-jobs');
  }, 40000);
});
