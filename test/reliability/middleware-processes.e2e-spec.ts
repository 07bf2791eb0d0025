import { job } from '../../lib';
import { limiterNames, middlewareLists, OverlapJob, RATE_PER_SECOND, RateProbeJob } from '../fixtures/worker-process/middleware-fixture-jobs';
import type { QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { createMiddlewareApp, doneCount, newKey, probedReleases, records, startMiddlewareWorker } from './support/middleware-processes';
import type { WorkerProcess } from './support/worker-process';

const WORKERS = 3;
const CONCURRENCY = 3;

/**
 * The most starts in one window of the limiter. A `perSecond` window opens at the Redis server's whole second of the
 * call that finds none open and lasts one second, so the limiter's windows are the server's whole seconds: the
 * window of a start is the integer part of its server time.
 */
function maxPerFixedWindow(times: string[]): { max: number; windows: number } {
  const perWindow = new Map<string, number>();
  for (const time of times) {
    const second = time.split('.')[0];
    perWindow.set(second, (perWindow.get(second) ?? 0) + 1);
  }
  return { max: Math.max(0, ...perWindow.values()), windows: perWindow.size };
}

/** The most starts in any one-second interval, wherever it begins (a fixed window allows up to 2N here). */
function maxPerSlidingSecond(times: string[]): number {
  const sorted = times.map(Number).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= 1) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('middleware across 3 worker processes', () => {
  const url = testRedisUrl();
  const key = newKey();
  const prefix = uniquePrefix('mw-processes');
  let t: QueueTestApp;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createMiddlewareApp(url, prefix, key);
    workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        startMiddlewareWorker({ redisUrl: url, prefix, worker: { concurrency: CONCURRENCY, sleep: 0.05, tries: 0, timeout: 30 } }, { key }),
      ),
    );
  });
  beforeEach(async () => {
    await t.redis.del(...Object.values(middlewareLists).map((list) => list(prefix)));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await t?.close();
  });

  async function runRateLimited(group: string, jobs: number, releaseAfter?: number) {
    const ids = await t.bus.dispatchMany(
      Array.from({ length: jobs }, () => job(RateProbeJob, { limiter: limiterNames.perSecond, group, ms: 5, ...(releaseAfter === undefined ? {} : { releaseAfter }) })),
    );
    await waitUntil(async () => (await doneCount(t)) >= jobs, `${jobs} rate-limited jobs to complete`, 25000);
    const starts = await records(t, 'rate');
    const releases = await probedReleases(t);
    const done = await t.redis.lrange(middlewareLists.done(prefix), 0, -1);
    const times = starts.map(([time]) => time);
    const fixed = maxPerFixedWindow(times);
    const pids = new Set([...starts.map(([, pid]) => Number(pid)), ...releases.map((r) => r.pid)]);
    process.stdout.write(
      `rate limit ${RATE_PER_SECOND}/s (${group}): ${jobs} jobs on ${pids.size} processes, ${releases.length} releases; ` +
        `highest count in one limiter window: ${fixed.max} (over ${fixed.windows} windows); in any sliding second: ${maxPerSlidingSecond(times)}\n`,
    );
    return { ids, starts, releases, done, fixed, pids };
  }

  it.each([
    ['released for secondsUntilAvailable + 3 (the default)', 'default-release', 15, undefined],
    ['released at once (releaseAfter(0): every worker keeps hitting the limiter)', 'hot', 30, 0],
  ])(`Limit.perSecond(${RATE_PER_SECOND}) is never exceeded in any window across 3 processes, and every job completes: %s`, async (_what, group, jobs, releaseAfter) => {
    const { ids, starts, releases, done, fixed, pids } = await runRateLimited(group as string, jobs as number, releaseAfter as number | undefined);

    expect(fixed.max).toBeLessThanOrEqual(RATE_PER_SECOND);
    // The limit was really reached, and jobs over it were held back, by workers in every process.
    expect(fixed.max).toBe(RATE_PER_SECOND);
    expect(releases.length).toBeGreaterThan(0);
    // Usually all three take part; with few jobs one may be starved, so at least two must have.
    expect(pids.size).toBeGreaterThanOrEqual(Math.min(2, WORKERS));
    // Each job's handler ran exactly once, and completed.
    expect(starts.map(([, , id]) => id).sort()).toEqual([...ids].sort());
    expect([...done].sort()).toEqual([...ids].sort());
  });

  it('WithoutOverlapping(key) never lets two jobs with one key run at once across 3 processes; released ones are retried until all complete', async () => {
    const keys = ['a', 'b', 'c', 'd'];
    const perKey = 6;
    const ids = await t.bus.dispatchMany(
      Array.from({ length: keys.length * perKey }, (_, i) => job(OverlapJob, { key: keys[i % keys.length], ms: 60 })),
    );
    await waitUntil(async () => (await doneCount(t)) >= ids.length, `${ids.length} overlap jobs to complete`, 25000);

    const runs = (await records(t, 'overlap')).map(([k, start, end, pid, id, attempt]) => ({
      key: k, start: Number(start), end: Number(end), pid: Number(pid), id, attempt: Number(attempt),
    }));
    let sameKey = 0;
    let acrossKeys = 0;
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const intersect = runs[i].start < runs[j].end && runs[j].start < runs[i].end;
        if (intersect && runs[i].key === runs[j].key) sameKey++;
        if (intersect && runs[i].key !== runs[j].key) acrossKeys++;
      }
    }
    const releases = await probedReleases(t);
    const pids = new Set([...runs.map((r) => r.pid), ...releases.map((r) => r.pid)]);
    process.stdout.write(
      `WithoutOverlapping: ${runs.length} runs of ${keys.length} keys on ${pids.size} processes; overlaps with one key: ${sameKey}; ` +
        `overlapping pairs with different keys: ${acrossKeys}; releases while locked: ${releases.length}; highest attempt: ${Math.max(...runs.map((r) => r.attempt))}\n`,
    );

    expect(sameKey).toBe(0);
    // Jobs did run side by side (different keys), and ones that found their key locked were released and retried.
    expect(acrossKeys).toBeGreaterThan(0);
    expect(releases.length).toBeGreaterThan(0);
    expect(Math.max(...runs.map((r) => r.attempt))).toBeGreaterThan(1);
    expect(pids.size).toBe(WORKERS);
    expect(runs.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(await t.redis.keys(`${prefix}overlap:*`)).toEqual([]);
  });
});
