import { job } from '../../lib';
import { createFixtureApp, fixtureRecords, heldJobs } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { OwnedRedis, startRedisServer } from '../support/redis-server';
import { sleep, uniquePrefix, waitUntil } from '../support/test-redis';
import { takeDown } from './support/redis-down';
import type { QueueTestApp } from '../support/queue-app';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

const JOBS = 600;
const RETRY_AFTER = 2;

describe('Redis restart (append-only file on) in the middle of a run', () => {
  let redis: OwnedRedis;
  let t: QueueTestApp;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
    t = await createFixtureApp(redis.url, uniquePrefix('restart'), RETRY_AFTER);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await t.close();
    await redis.stop();
  });

  it(`every one of ${JOBS} jobs completes; none is lost`, async () => {
    const ids = (await t.bus.dispatchMany(Array.from({ length: JOBS }, () => job(SleepJob, { ms: 10 })))) as string[];
    const options = { redisUrl: redis.url, prefix: t.prefix, retryAfter: RETRY_AFTER, worker: { concurrency: 2, sleep: 0.1, tries: 0 } };
    workers.push(...(await Promise.all([startWorker(options), startWorker(options)])));
    const uniqueDone = async () => new Set((await fixtureRecords(t)).done).size;

    await waitUntil(async () => (await uniqueDone()) >= JOBS / 4, 'a quarter of the jobs to complete', 20000);
    const before = await uniqueDone();
    await takeDown(redis);
    await sleep(1500); // down long enough for every worker to see it fail
    await redis.restart();
    const after = await uniqueDone(); // read back from the append-only file
    await waitUntil(async () => (await uniqueDone()) === JOBS, 'every job to complete after the restart', 30000);
    await waitUntil(async () => {
      const held = await heldJobs(t);
      return held.ready + held.delayed + held.reserved === 0;
    }, 'no job left in Redis', 10000);

    const { done } = await fixtureRecords(t);
    process.stdout.write(
      `redis restart: ${JOBS} jobs, restarted after ${before} had completed (${after} read back after the restart); ` +
        `${done.length} completions, ${done.length - new Set(done).size} double runs\n`,
    );
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThan(JOBS); // the restart did happen mid-run
    expect(new Set(done)).toEqual(new Set(ids));
    expect(await t.failed.all()).toEqual([]);
    expect(workers.every((w) => w.running)).toBe(true);
    for (const w of workers) {
      // A worker that happened not to call Redis while it was down reconnects silently; one that did logs it once.
      const outages = w.count(/Queue connection redis failed: Redis is unreachable/);
      expect(outages).toBeLessThanOrEqual(1);
      expect(w.count(/Queue connection redis is back\./)).toBe(outages);
    }
  }, 90000);
});
