import { FlakyJob, limiterNames, middlewareLists, OverlapJob, RateProbeJob } from '../fixtures/worker-process/middleware-fixture-jobs';
import type { QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import {
  createMiddlewareApp, DelayedJob, delayedJobs, newKey, ProbedRelease, probedReleases, records, serverSeconds, startMiddlewareWorker,
} from './support/middleware-processes';
import type { WorkerProcess } from './support/worker-process';

const WORKERS = 3;
/** Rounding of scores and clock readings (microseconds, as doubles). */
const EPSILON = 1e-5;

/**
 * Every shipped middleware's release delay, as SEMANTICS.md gives it, read end to end: a worker process runs the job,
 * its middleware releases it, and the release script puts it in `{prefix}queues:{default}:delayed` at its server time
 * R + the delay. R is bracketed by two server-clock readings, whatever the load: the fixture's ReleaseProbe reads
 * `after` once the middleware returned (before the release script), and the test reads `seen` once it found the job
 * in `:delayed` (after it). So score − seen ≤ delay ≤ score − after. A delay of 0 goes to the ready list instead,
 * which the tests see directly: a worker that runs one job (--once) and exits leaves it there.
 */
describe('middleware release delays, observed in the delayed set behind real worker processes', () => {
  const url = testRedisUrl();
  const key = newKey();
  const prefix = uniquePrefix('release-delays');
  let t: QueueTestApp;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createMiddlewareApp(url, prefix, key);
    workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        startMiddlewareWorker({ redisUrl: url, prefix, worker: { concurrency: 2, sleep: 0.05, tries: 0, timeout: 30 } }, { key }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await t?.close();
  });

  /** Waits for the job in `:delayed`; returns it with the probe's record of the release that put it there. */
  async function released(id: string, queue = 'default'): Promise<{ delayed: DelayedJob; probe: ProbedRelease; observed: number; seen: number }> {
    let delayed: DelayedJob | undefined;
    await waitUntil(async () => (delayed = (await delayedJobs(t, queue)).find((j) => j.id === id)) !== undefined, `job ${id} to be released into :delayed`);
    const seen = await serverSeconds(t.redis);
    const probes = (await probedReleases(t)).filter((p) => p.id === id);
    const probe = probes[probes.length - 1];
    const found = delayed as DelayedJob;
    expect(probe.attempt).toBe(found.attempts);
    return { delayed: found, probe, observed: found.score - probe.after, seen };
  }

  /** The `end` of a fixed-window limiter hash {start, end, count}. */
  async function windowEnd(pattern: string): Promise<number> {
    const keys = await t.redis.keys(`${prefix}${pattern}`);
    expect(keys).toHaveLength(1);
    return Number(await t.redis.hget(keys[0], 'end'));
  }

  const report = (what: string, expected: string, observed: number) =>
    process.stdout.write(`release delay ${what}: expected ${expected}, observed ${observed.toFixed(3)} s\n`);

  /** An exact delay: score − seen ≤ delay ≤ score − after. */
  function expectDelay(r: { delayed: DelayedJob; probe: ProbedRelease; seen: number }, delay: number) {
    expect(r.delayed.score - r.probe.after).toBeGreaterThanOrEqual(delay - EPSILON);
    expect(r.delayed.score - r.seen).toBeLessThanOrEqual(delay + EPSILON);
  }

  /**
   * A delay counted to a window's end from the limiter's `now` (whole server seconds), taken between the probe's
   * two readings: end − ⌊after⌋ + extra ≤ delay ≤ end − ⌊before⌋ + extra.
   */
  function expectUntilWindowEnd(r: { delayed: DelayedJob; probe: ProbedRelease; seen: number }, end: number, extra: number) {
    expect(r.delayed.score - r.probe.after).toBeGreaterThanOrEqual(end - Math.floor(r.probe.after) + extra - EPSILON);
    expect(r.delayed.score - r.seen).toBeLessThanOrEqual(end - Math.floor(r.probe.before) + extra + EPSILON);
  }

  /** Jobs on a queue's ready list: uuid and attempts so far. */
  async function readyJobs(queue: string): Promise<{ id: string; attempts: number }[]> {
    return (await t.redis.lrange(`${prefix}queues:{${queue}}`, 0, -1)).map((raw) => {
      const payload = JSON.parse(raw) as { uuid: string; attempts?: number };
      return { id: payload.uuid, attempts: payload.attempts ?? 0 };
    });
  }

  /** A worker process that takes one job of `queue` (which the shared workers do not serve) and exits. */
  async function runOnce(queue: string): Promise<void> {
    const w = await startMiddlewareWorker({ redisUrl: url, prefix, worker: { queue, once: true, sleep: 0.05, tries: 0, timeout: 30 } }, { key });
    expect(await w.waitForExit()).toEqual({ code: 0, signal: null });
  }

  it('RateLimited(name) over its limit: released for secondsUntilAvailable + 3', async () => {
    const data = { limiter: limiterNames.perMinute, group: 'named-default' };
    const ids = (await Promise.all([t.bus.dispatch(RateProbeJob, data), t.bus.dispatch(RateProbeJob, data)])) as string[];
    await waitUntil(async () => (await probedReleases(t)).some((p) => ids.includes(p.id)), 'one of the two to be held back');
    const heldBack = (await probedReleases(t)).find((p) => ids.includes(p.id)) as ProbedRelease;
    const r = await released(heldBack.id);
    const end = await windowEnd(`limiter:${limiterNames.perMinute}:60:*`);
    report('RateLimited(name), Limit.perMinute(1)', `window end − now + 3 = ${end - Math.floor(r.probe.after) + 3} s`, r.observed);
    expectUntilWindowEnd(r, end, 3);
    expect(r.observed).toBeGreaterThan(60);
  });

  it('RateLimited(name).releaseAfter(7) over its limit: released for 7 s', async () => {
    const data = { limiter: limiterNames.perMinute, group: 'named-release-after', releaseAfter: 7 };
    const ids = (await Promise.all([t.bus.dispatch(RateProbeJob, data), t.bus.dispatch(RateProbeJob, data)])) as string[];
    await waitUntil(async () => (await probedReleases(t)).some((p) => ids.includes(p.id)), 'one of the two to be held back');
    const heldBack = (await probedReleases(t)).find((p) => ids.includes(p.id)) as ProbedRelease;
    const r = await released(heldBack.id);
    report('RateLimited(name).releaseAfter(7)', '7 s', r.observed);
    expectDelay(r, 7);
  });

  it('the seed form new RateLimited(key, 1, 30) over its limit: released for every = 30 s', async () => {
    const data = { limiter: 'seed-throttle', allows: 1, every: 30 };
    const ids = (await Promise.all([t.bus.dispatch(RateProbeJob, data), t.bus.dispatch(RateProbeJob, data)])) as string[];
    await waitUntil(async () => (await probedReleases(t)).some((p) => ids.includes(p.id)), 'one of the two to be held back');
    const heldBack = (await probedReleases(t)).find((p) => ids.includes(p.id)) as ProbedRelease;
    const r = await released(heldBack.id);
    report("RateLimited('seed-throttle', 1, 30)", '30 s', r.observed);
    expectDelay(r, 30);
  });

  it('WithoutOverlapping(key).releaseAfter(5) while the key is locked: released for 5 s', async () => {
    await t.redis.set(`${prefix}overlap:mw-overlap:held-5`, 'someone else');
    const id = (await t.bus.dispatch(OverlapJob, { key: 'held-5', ms: 0, releaseAfter: 5 })) as string;
    const r = await released(id);
    report('WithoutOverlapping(key).releaseAfter(5)', '5 s', r.observed);
    expectDelay(r, 5);
  });

  it('WithoutOverlapping(key) while the key is locked: released at once (0 s), straight back to the ready list, and run once the lock is gone', async () => {
    const lock = `${prefix}overlap:mw-overlap:held-0`;
    await t.redis.set(lock, 'someone else');
    const id = (await t.bus.dispatch(OverlapJob, { key: 'held-0', ms: 0 }).onQueue('overlap-zero')) as string;
    for (const attempt of [1, 2]) {
      await runOnce('overlap-zero');
      // The worker ran it once, released it, and exited: it waits on the ready list, attempt counted, not in :delayed.
      expect(await readyJobs('overlap-zero')).toEqual([{ id, attempts: attempt }]);
      expect(await delayedJobs(t, 'overlap-zero')).toEqual([]);
    }
    await t.redis.del(lock);
    await runOnce('overlap-zero');
    expect(await t.redis.lrange(middlewareLists.done(prefix), 0, -1)).toContain(id);

    const probes = (await probedReleases(t)).filter((p) => p.id === id);
    report('WithoutOverlapping(key)', '0 s', 0);
    expect(probes.map((p) => p.attempt)).toEqual([1, 2]);
    expect(await readyJobs('overlap-zero')).toEqual([]);
  });

  it('ThrottlesExceptions(10, 600).backoff(1) after an exception: released for 1 minute', async () => {
    const id = (await t.bus.dispatch(FlakyJob, { key: 'backoff', maxAttempts: 10, decaySeconds: 600, backoffMinutes: 1 })) as string;
    const r = await released(id);
    report('ThrottlesExceptions(10, 600).backoff(1)', '60 s', r.observed);
    expectDelay(r, 60);
  });

  it('ThrottlesExceptions(2, 60): exceptions released at once (backoff 0); at 2 in the window, released without running until the window ends', async () => {
    const id = (await t.bus.dispatch(FlakyJob, { key: 'window', maxAttempts: 2, decaySeconds: 60 }).onQueue('throttle-zero')) as string;
    for (const attempt of [1, 2]) {
      await runOnce('throttle-zero');
      // It threw and was released at once: back on the ready list, attempt counted, not in :delayed.
      expect(await readyJobs('throttle-zero')).toEqual([{ id, attempts: attempt }]);
      expect(await delayedJobs(t, 'throttle-zero')).toEqual([]);
    }
    await runOnce('throttle-zero');
    const r = await released(id, 'throttle-zero');
    const end = await windowEnd('throttles-exceptions:window');
    report('ThrottlesExceptions(2, 60) at its limit', `window end − now = ${end - Math.floor(r.probe.after)} s`, r.observed);
    expectUntilWindowEnd(r, end, 0);

    const probes = (await probedReleases(t)).filter((p) => p.id === id);
    expect(probes.map((p) => p.attempt)).toEqual([1, 2, 3]);
    // The window it waits for is the 60 s one the first exception opened (whole server seconds).
    expect(end).toBeGreaterThanOrEqual(Math.floor(probes[0].before) + 60);
    expect(end).toBeLessThanOrEqual(Math.floor(probes[0].after) + 60);
    // The handler ran (and threw) on attempts 1 and 2 only; attempt 3 was held back before it.
    expect((await records(t, 'flaky')).filter(([uuid]) => uuid === id).map(([, attempt]) => Number(attempt))).toEqual([1, 2]);
  });
});
