import { job } from '../../lib';
import { limiterNames, middlewareLists, OverlapJob, RATE_PER_SECOND, RateProbeJob } from '../fixtures/worker-process/middleware-fixture-jobs';
import type { QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { createMiddlewareApp, doneCount, newKey, probedReleases, records, startMiddlewareWorker } from './support/middleware-processes';
import type { WorkerProcess } from './support/worker-process';

const WORKERS = 3;
const CONCURRENCY = 3;

/**
 * When a run got through the limiter: after the probe's reading just before the middleware (`from`) and before its
 * handler's first reading (`to`), both on the Redis server's clock.
 */
interface Pass {
  from: number;
  to: number;
}

/**
 * The most runs let through in one window of the limiter. A `perSecond` window opens at the Redis server's whole
 * second of the call that finds none open and lasts one second, so the limiter's windows are the server's whole
 * seconds. A run whose bracket lies inside one second passed in that window; one whose bracket spans a second's
 * end (a slow moment between the readings) could belong to either and is counted in none, so the count never
 * exceeds what the limiter let through.
 */
function maxPerLimiterWindow(passes: Pass[]): { max: number; windows: number; undecided: number } {
  const perWindow = new Map<number, number>();
  let undecided = 0;
  for (const { from, to } of passes) {
    if (Math.floor(from) !== Math.floor(to)) {
      undecided++;
      continue;
    }
    perWindow.set(Math.floor(from), (perWindow.get(Math.floor(from)) ?? 0) + 1);
  }
  return { max: Math.max(0, ...perWindow.values()), windows: perWindow.size, undecided };
}

/**
 * Whether the runs can be placed in the limiter's windows with at most `n` in each, every run in a second its bracket
 * touches (earliest deadline first, which finds a placement whenever one exists). False means some window must have
 * let more than `n` through: this counts the runs on a window's edge too.
 */
function fitsLimiterWindows(passes: Pass[], n: number): boolean {
  const runs = passes.map((p) => ({ first: Math.floor(p.from), last: Math.floor(p.to) }));
  if (runs.length === 0) return true;
  const start = Math.min(...runs.map((r) => r.first));
  const end = Math.max(...runs.map((r) => r.last));
  let waiting: number[] = [];
  for (let second = start; second <= end; second++) {
    waiting.push(...runs.filter((r) => r.first === second).map((r) => r.last));
    waiting.sort((a, b) => a - b);
    waiting = waiting.slice(n);
    if (waiting.some((last) => last <= second)) return false;
  }
  return waiting.length === 0;
}

/**
 * The most runs let through inside any one-second interval, wherever it begins (bracket wholly inside it). Such an
 * interval meets at most two of the limiter's windows, so a fixed-window limit of N allows at most 2N here.
 */
function maxPerSlidingSecond(passes: Pass[]): number {
  let max = 0;
  for (const start of passes.map((p) => p.from)) {
    max = Math.max(max, passes.filter((p) => p.from >= start && p.to < start + 1).length);
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
    const entered = await records(t, 'entered');
    const releases = await probedReleases(t);
    const done = await t.redis.lrange(middlewareLists.done(prefix), 0, -1);
    const passes: Pass[] = starts.map(([time, , id, attempt]) => {
      const before = entered.find(([uuid, n]) => uuid === id && n === attempt);
      if (!before) throw new Error(`No probe reading before run ${id} attempt ${attempt}`);
      return { from: Number(before[2]), to: Number(time) };
    });
    const windows = maxPerLimiterWindow(passes);
    const fits = fitsLimiterWindows(passes, RATE_PER_SECOND);
    const sliding = maxPerSlidingSecond(passes);
    const pids = new Set(entered.map(([, , , pid]) => Number(pid)));
    process.stdout.write(
      `rate limit ${RATE_PER_SECOND}/s (${group}): ${jobs} jobs on ${pids.size} processes, ${releases.length} releases; ` +
        `most let through in one limiter window: ${windows.max} (over ${windows.windows} windows, ${windows.undecided} runs on a window's edge); ` +
        `in any sliding second: ${sliding}\n`,
    );
    return { ids, starts, releases, done, windows, fits, sliding, pids };
  }

  it.each([
    ['released for secondsUntilAvailable + 3 (the default)', 'default-release', 15, undefined],
    ['released at once (releaseAfter(0): every worker keeps hitting the limiter)', 'hot', 30, 0],
  ])(`Limit.perSecond(${RATE_PER_SECOND}) lets at most ${RATE_PER_SECOND} through in each of its windows (at most ${2 * RATE_PER_SECOND} in any sliding second) across 3 processes (at least two of them taking jobs: which ones win the pops is up to the scheduler), and every job completes: %s`, async (_what, group, jobs, releaseAfter) => {
    const { ids, starts, releases, done, windows, fits, sliding, pids } = await runRateLimited(group as string, jobs as number, releaseAfter as number | undefined);

    expect(windows.max).toBeLessThanOrEqual(RATE_PER_SECOND);
    expect(fits).toBe(true);
    expect(sliding).toBeLessThanOrEqual(2 * RATE_PER_SECOND);
    // The limit was really reached: jobs over it were held back.
    expect(releases.length).toBeGreaterThan(0);
    // The limit held across processes: at least two of the three ran or were refused jobs (on a loaded machine one
    // process may lose every pop to the others; nothing in a queue promises each process a share).
    expect(pids.size).toBeGreaterThanOrEqual(2);
    for (const pid of pids) expect(workers.map((w) => w.pid)).toContain(pid);
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
