import type Redis from 'ioredis';
import { ThrottlesExceptions } from '../../lib/middleware';
import { deletePrefix, inspectRedis, uniquePrefix, waitUntil } from '../support/test-redis';
import { countingNext, FakeJob, serverNow } from './fake-job';

class ApiDown extends Error {}
class GoneForGood extends Error {}

describe('ThrottlesExceptions', () => {
  let redis: Redis;
  let prefix: string;

  const job = (name = 'SyncContacts') => new FakeJob({ redis, prefix, name });
  const throwing = (error: unknown = new ApiDown('503')) => countingNext(() => {
    throw error;
  });
  const countOf = async (key: string) => Number((await redis.hget(`${prefix}throttles-exceptions:${key}`, 'count')) ?? 0);

  beforeAll(() => {
    redis = inspectRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('throttles');
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('runs the job normally while it succeeds', async () => {
    const j = job();
    const next = countingNext();
    await new ThrottlesExceptions(3, 60).handle(j, next);
    expect(next.calls).toBe(1);
    expect(j.releases).toEqual([]);
  });

  it('counts an exception below the limit and releases the job at once (no backoff)', async () => {
    const j = job();
    await expect(new ThrottlesExceptions(3, 60).handle(j, throwing())).resolves.toBeUndefined();
    expect(j.releases).toEqual([0]);
    expect(await countOf('SyncContacts')).toBe(1);
  });

  it('releases the job after backoff() minutes', async () => {
    const j = job();
    await new ThrottlesExceptions(3, 60).backoff(2).handle(j, throwing());
    expect(j.releases).toEqual([120]);
  });

  it('takes backoff minutes from a function of the error', async () => {
    const middleware = new ThrottlesExceptions(10, 60).backoff((e) => (e instanceof ApiDown ? 5 : 1));
    const a = job();
    const b = job();
    await middleware.handle(a, throwing(new ApiDown()));
    await middleware.handle(b, throwing(new Error('other')));
    expect(a.releases).toEqual([300]);
    expect(b.releases).toEqual([60]);
  });

  it('after maxAttempts exceptions, releases the job without running it until the window ends', async () => {
    const middleware = new ThrottlesExceptions(3, 600);
    for (let i = 0; i < 3; i++) await middleware.handle(job(), throwing());

    const before = await serverNow(redis);
    const held = job();
    const next = countingNext();
    await middleware.handle(held, next);
    const after = await serverNow(redis);

    expect(next.calls).toBe(0);
    expect(held.releases).toHaveLength(1);
    const end = Number(await redis.hget(`${prefix}throttles-exceptions:SyncContacts`, 'end'));
    expect(held.releases[0]).toBeGreaterThanOrEqual(end - after);
    expect(held.releases[0]).toBeLessThanOrEqual(end - before);
    expect(held.releases[0]).toBeGreaterThan(590);
  });

  it('runs the job again once the window has passed', async () => {
    // A window of 3 s: long enough that the second job comes inside it on a loaded machine.
    const middleware = new ThrottlesExceptions(1, 3);
    await middleware.handle(job(), throwing());
    const held = job();
    const next = countingNext();
    await middleware.handle(held, next);
    expect(next.calls).toBe(0);
    expect(held.releases).toHaveLength(1);

    const end = Number(await redis.hget(`${prefix}throttles-exceptions:SyncContacts`, 'end'));
    await waitUntil(async () => (await serverNow(redis)) > end, 'the window to pass', 10000);

    const later = job();
    await middleware.handle(later, next);
    expect(next.calls).toBe(1);
    expect(later.releases).toEqual([]);
  });

  it('resets the count when the job succeeds', async () => {
    const middleware = new ThrottlesExceptions(3, 600);
    await middleware.handle(job(), throwing());
    await middleware.handle(job(), throwing());
    expect(await countOf('SyncContacts')).toBe(2);

    await middleware.handle(job(), countingNext());
    expect(await redis.exists(`${prefix}throttles-exceptions:SyncContacts`)).toBe(0);

    // Two more exceptions do not reach the limit of 3 now.
    await middleware.handle(job(), throwing());
    await middleware.handle(job(), throwing());
    const next = countingNext();
    await middleware.handle(job(), next);
    expect(next.calls).toBe(1);
  });

  it('rethrows errors when() rejects, without counting them', async () => {
    const middleware = new ThrottlesExceptions(3, 600).when((e) => e instanceof ApiDown);
    const j = job();
    await expect(middleware.handle(j, throwing(new TypeError('bug')))).rejects.toThrow('bug');
    expect(j.releases).toEqual([]);
    expect(await countOf('SyncContacts')).toBe(0);

    const k = job();
    await middleware.handle(k, throwing(new ApiDown()));
    expect(k.releases).toEqual([0]);
    expect(await countOf('SyncContacts')).toBe(1);
  });

  it('deletes the job on errors of a deleteWhen() class, without counting or releasing', async () => {
    const middleware = new ThrottlesExceptions(3, 600).deleteWhen(GoneForGood);
    const j = job();
    await middleware.handle(j, throwing(new GoneForGood()));
    expect(j.deletes).toBe(1);
    expect(j.releases).toEqual([]);
    expect(await countOf('SyncContacts')).toBe(0);

    const k = job();
    await middleware.handle(k, throwing(new ApiDown()));
    expect(k.deletes).toBe(0);
    expect(k.releases).toEqual([0]);
  });

  it('deletes the job on errors a deleteWhen() function accepts', async () => {
    const middleware = new ThrottlesExceptions(3, 600).deleteWhen((e) => e instanceof Error && e.message === 'gone');
    const j = job();
    await middleware.handle(j, throwing(new Error('gone')));
    expect(j.deletes).toBe(1);
    const k = job();
    await middleware.handle(k, throwing(new Error('flaky')));
    expect(k.deletes).toBe(0);
  });

  it('fails the job with the error on errors failWhen() accepts, without counting', async () => {
    const error = new Error('invalid credentials');
    const middleware = new ThrottlesExceptions(3, 600).failWhen((e) => e === error);
    const j = job();
    await middleware.handle(j, throwing(error));
    expect(j.failures).toEqual([error]);
    expect(j.releases).toEqual([]);
    expect(await countOf('SyncContacts')).toBe(0);
  });

  it('checks deleteWhen() before failWhen()', async () => {
    const middleware = new ThrottlesExceptions(3, 600).failWhen(GoneForGood).deleteWhen(GoneForGood);
    const j = job();
    await middleware.handle(j, throwing(new GoneForGood()));
    expect(j.deletes).toBe(1);
    expect(j.failures).toEqual([]);
  });

  it('wraps a thrown non-Error value in an Error when failing', async () => {
    const middleware = new ThrottlesExceptions(3, 600).failWhen(() => true);
    const j = job();
    await middleware.handle(j, throwing('plain string'));
    expect(j.failures).toHaveLength(1);
    expect(j.failures[0]).toBeInstanceOf(Error);
    expect((j.failures[0] as Error).message).toBe('plain string');
  });

  it('counts per job name by default', async () => {
    const middleware = new ThrottlesExceptions(1, 600);
    await middleware.handle(job('SyncContacts'), throwing());
    const other = job('SendInvoice');
    const next = countingNext();
    await middleware.handle(other, next);
    expect(next.calls).toBe(1);
  });

  it('shares one count across jobs with the same by() key', async () => {
    await new ThrottlesExceptions(1, 600).by('crm-api').handle(job('SyncContacts'), throwing());
    const other = job('SendInvoice');
    const next = countingNext();
    await new ThrottlesExceptions(1, 600).by('crm-api').handle(other, next);
    expect(next.calls).toBe(0);
    expect(other.releases).toHaveLength(1);
    expect(await countOf('crm-api')).toBe(1);
  });

  it('counts per job id after byJob()', async () => {
    const middleware = new ThrottlesExceptions(1, 600).byJob();
    const first = new FakeJob({ redis, prefix, id: 'job-a' });
    await middleware.handle(first, throwing());
    const sameJobAgain = new FakeJob({ redis, prefix, id: 'job-a' });
    const anotherJob = new FakeJob({ redis, prefix, id: 'job-b' });
    const next = countingNext();
    await middleware.handle(sameJobAgain, next);
    await middleware.handle(anotherJob, next);
    expect(sameJobAgain.releases).toHaveLength(1);
    expect(next.calls).toBe(1);
  });
});
