import { FlakyJob, limiterNames, middlewareLists, OverlapJob, RateProbeJob } from '../fixtures/worker-process/middleware-fixture-jobs';
import type { QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import {
  createMiddlewareApp, DelayedJob, delayedJobs, newKey, ProbedRelease, probedReleases, records, startMiddlewareWorker,
} from './support/middleware-processes';
import type { WorkerProcess } from './support/worker-process';

const WORKERS = 3;
/**
 * Seconds between the probe's clock reading after the middleware and the release script (a few round trips); the
 * score in `:delayed` is the release script's server time + the delay.
 */
const SLACK = 0.25;

/**
 * Every shipped middleware's release delay, as SEMANTICS.md gives it, read end to end: a worker process runs the job,
 * its middleware releases it, and the job's score in `{prefix}queues:{default}:delayed` minus the server time right
 * after the middleware (recorded by the fixture's ReleaseProbe) is the delay the worker applied.
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
  async function released(id: string): Promise<{ delayed: DelayedJob; probe: ProbedRelease; observed: number }> {
    let delayed: DelayedJob | undefined;
    await waitUntil(async () => (delayed = (await delayedJobs(t)).find((j) => j.id === id)) !== undefined, `job ${id} to be released into :delayed`);
    const probes = (await probedReleases(t)).filter((p) => p.id === id);
    const probe = probes[probes.length - 1];
    const found = delayed as DelayedJob;
    expect(probe.attempt).toBe(found.attempts);
    return { delayed: found, probe, observed: found.score - probe.after };
  }

  /** The `end` of a fixed-window limiter hash {start, end, count}. */
  async function windowEnd(pattern: string): Promise<number> {
    const keys = await t.redis.keys(`${prefix}${pattern}`);
    expect(keys).toHaveLength(1);
    return Number(await t.redis.hget(keys[0], 'end'));
  }

  const report = (what: string, expected: string, observed: number) =>
    process.stdout.write(`release delay ${what}: expected ${expected}, observed ${observed.toFixed(3)} s\n`);

  /** An exact delay: observed within [delay, delay + SLACK]. */
  function expectDelay(observed: number, delay: number) {
    expect(observed).toBeGreaterThanOrEqual(delay);
    expect(observed).toBeLessThanOrEqual(delay + SLACK);
  }

  /**
   * A delay counted to a window's end from the limiter's `now` (whole server seconds), taken between the probe's
   * two readings: end − ⌊after⌋ + extra ≤ delay ≤ end − ⌊before⌋ + extra.
   */
  function expectUntilWindowEnd(observed: number, probe: ProbedRelease, end: number, extra: number) {
    expect(observed).toBeGreaterThanOrEqual(end - Math.floor(probe.after) + extra);
    expect(observed).toBeLessThanOrEqual(end - Math.floor(probe.before) + extra + SLACK);
  }

  it('RateLimited(name) over its limit: released for secondsUntilAvailable + 3', async () => {
    const data = { limiter: limiterNames.perMinute, group: 'named-default' };
    const ids = (await Promise.all([t.bus.dispatch(RateProbeJob, data), t.bus.dispatch(RateProbeJob, data)])) as string[];
    await waitUntil(async () => (await probedReleases(t)).some((p) => ids.includes(p.id)), 'one of the two to be held back');
    const heldBack = (await probedReleases(t)).find((p) => ids.includes(p.id)) as ProbedRelease;
    const { observed, probe } = await released(heldBack.id);
    const end = await windowEnd(`limiter:${limiterNames.perMinute}:60:*`);
    report('RateLimited(name), Limit.perMinute(1)', `window end − now + 3 = ${end - Math.floor(probe.after) + 3} s`, observed);
    expectUntilWindowEnd(observed, probe, end, 3);
    expect(observed).toBeGreaterThan(60);
  });

  it('RateLimited(name).releaseAfter(7) over its limit: released for 7 s', async () => {
    const data = { limiter: limiterNames.perMinute, group: 'named-release-after', releaseAfter: 7 };
    const ids = (await Promise.all([t.bus.dispatch(RateProbeJob, data), t.bus.dispatch(RateProbeJob, data)])) as string[];
    await waitUntil(async () => (await probedReleases(t)).some((p) => ids.includes(p.id)), 'one of the two to be held back');
    const heldBack = (await probedReleases(t)).find((p) => ids.includes(p.id)) as ProbedRelease;
    const { observed } = await released(heldBack.id);
    report('RateLimited(name).releaseAfter(7)', '7 s', observed);
    expectDelay(observed, 7);
  });

  it('the seed form new RateLimited(key, 1, 30) over its limit: released for every = 30 s', async () => {
    const data = { limiter: 'seed-throttle', allows: 1, every: 30 };
    const ids = (await Promise.all([t.bus.dispatch(RateProbeJob, data), t.bus.dispatch(RateProbeJob, data)])) as string[];
    await waitUntil(async () => (await probedReleases(t)).some((p) => ids.includes(p.id)), 'one of the two to be held back');
    const heldBack = (await probedReleases(t)).find((p) => ids.includes(p.id)) as ProbedRelease;
    const { observed } = await released(heldBack.id);
    report("RateLimited('seed-throttle', 1, 30)", '30 s', observed);
    expectDelay(observed, 30);
  });

  it('WithoutOverlapping(key).releaseAfter(5) while the key is locked: released for 5 s', async () => {
    await t.redis.set(`${prefix}overlap:mw-overlap:held-5`, 'someone else');
    const id = (await t.bus.dispatch(OverlapJob, { key: 'held-5', ms: 0, releaseAfter: 5 })) as string;
    const { observed } = await released(id);
    report('WithoutOverlapping(key).releaseAfter(5)', '5 s', observed);
    expectDelay(observed, 5);
  });

  it('WithoutOverlapping(key) while the key is locked: released at once (0 s), straight back to the ready list, and run once the lock is gone', async () => {
    const lock = `${prefix}overlap:mw-overlap:held-0`;
    await t.redis.set(lock, 'someone else');
    const id = (await t.bus.dispatch(OverlapJob, { key: 'held-0', ms: 0 })) as string;
    await waitUntil(async () => (await probedReleases(t)).filter((p) => p.id === id).length >= 5, 'five releases of the locked job');
    await t.redis.del(lock);
    await waitUntil(async () => (await t.redis.lrange(middlewareLists.done(prefix), 0, -1)).includes(id), 'the job to run once the lock is gone');

    const probes = (await probedReleases(t)).filter((p) => p.id === id);
    // Each release was taken up again at once: the next run began right after (no delay in between).
    const gaps = probes.slice(1).map((p, i) => p.before - probes[i].after);
    report('WithoutOverlapping(key)', '0 s', Math.max(...gaps));
    expect(Math.max(...gaps)).toBeLessThan(SLACK);
    expect(probes.map((p) => p.attempt)).toEqual(probes.map((_, i) => i + 1));
    expect((await delayedJobs(t)).some((j) => j.id === id)).toBe(false);
  });

  it('ThrottlesExceptions(10, 600).backoff(1) after an exception: released for 1 minute', async () => {
    const id = (await t.bus.dispatch(FlakyJob, { key: 'backoff', maxAttempts: 10, decaySeconds: 600, backoffMinutes: 1 })) as string;
    const { observed } = await released(id);
    report('ThrottlesExceptions(10, 600).backoff(1)', '60 s', observed);
    expectDelay(observed, 60);
  });

  it('ThrottlesExceptions(2, 60): exceptions released at once (backoff 0); at 2 in the window, released without running until the window ends', async () => {
    const id = (await t.bus.dispatch(FlakyJob, { key: 'window', maxAttempts: 2, decaySeconds: 60 })) as string;
    const { observed, probe } = await released(id);
    const end = await windowEnd('throttles-exceptions:window');
    report('ThrottlesExceptions(2, 60) at its limit', `window end − now = ${end - Math.floor(probe.after)} s`, observed);
    expectUntilWindowEnd(observed, probe, end, 0);
    expect(observed).toBeGreaterThan(55);

    const probes = (await probedReleases(t)).filter((p) => p.id === id);
    expect(probes.map((p) => p.attempt)).toEqual([1, 2, 3]);
    expect(probes[1].before - probes[0].after).toBeLessThan(SLACK);
    expect(probes[2].before - probes[1].after).toBeLessThan(SLACK);
    // The handler ran (and threw) on attempts 1 and 2 only; attempt 3 was held back before it.
    expect((await records(t, 'flaky')).filter(([uuid]) => uuid === id).map(([, attempt]) => Number(attempt))).toEqual([1, 2]);
  });
});
