import { Job } from '../../lib';
import type { JobListResponse } from '../../lib/dashboard';
import { QueueDashboardModule } from '../../lib/dashboard';
import { jobRecordKeys, recordKey } from '../../lib/drivers/redis/job-record-keys';
import type { FailedJobStore } from '../../lib/failed/failed-job-store.interface';
import { RedisFailedJobStore } from '../../lib/failed/redis-failed-job.store';
import { FAILED_JOB_STORE } from '../../lib/queue.constants';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { DashboardTestApp, startDashboardApp } from './support/dashboard-app';

jest.setTimeout(60_000);

@Job({ name: 'forget.failing', tries: 1, tags: (d: { n: number }) => ['failing', `failing:${d.n}`] })
class Failing {
  async handle(data: { n: number }): Promise<void> {
    throw new Error(`failing ${data.n} says no`);
  }
}

/** The failed store on the records' Redis server (one script for both), or in SQLite (the records first, then the store). */
const STORES = ['the Redis store beside the records', 'a database store'] as const;

describe.each(STORES)('forgetting failed jobs with %s', (label) => {
  let t: DashboardTestApp;
  let db: TestDatabase | undefined;
  let store: FailedJobStore;
  beforeEach(async () => {
    db = label === 'a database store' ? await createTestDatabase('sqlite') : undefined;
    const queue = db ? { databases: { main: db.options }, failed: { driver: 'database' as const, database: 'main' } } : {};
    t = await startDashboardApp('express', QueueDashboardModule.forRoot({ authorize: () => true }), { providers: [Failing], queue });
    await t.failed.setup();
    store = t.app.get<FailedJobStore>(FAILED_JOB_STORE, { strict: false });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t.close();
    await db?.drop();
  });

  async function fail(...ns: number[]): Promise<string[]> {
    const ids: string[] = [];
    for (const n of ns) ids.push((await t.bus.dispatch(Failing, { n }).onQueue('default'))!);
    await t.worker.run({ queue: 'default', stopWhenEmpty: true, sleep: 0, handleSignals: false, memory: 0 });
    return ids;
  }
  const failedPage = (tag?: string) => t.json<JobListResponse>(`/horizon/api/jobs/failed${tag ? `?tag=${tag}` : ''}`);
  const keys = () => jobRecordKeys(t.prefix, 'default');

  it('forget removes the job from the store and from the failed page, its tag lists and its record', async () => {
    const together = jest.spyOn(RedisFailedJobStore.prototype, 'forgetWithRecords');
    const [gone, kept] = await fail(1, 2);
    expect((await failedPage()).total).toBe(2);

    expect(await t.failed.forget(gone)).toBe(true);
    expect(await t.failed.find(gone)).toBeNull();
    expect((await failedPage()).jobs.map((j) => j.id)).toEqual([kept]);
    expect((await failedPage('failing')).jobs.map((j) => j.id)).toEqual([kept]);
    expect(await failedPage('failing:1')).toEqual({ jobs: [], total: 0 });
    expect(await t.redis.exists(recordKey(keys(), gone))).toBe(0);
    expect(await t.redis.hexists(keys().data, gone)).toBe(0);
    expect(await t.redis.hexists(keys().data, kept)).toBe(1);
    expect((await t.request(`/horizon/api/jobs/failed/${gone}`)).status).toBe(404);
    expect((await t.request(`/horizon/api/jobs/${gone}`)).status).toBe(404);
    expect(await t.failed.forget(gone)).toBe(false);
    // One script for both when they share a server; the records first, then the store, when they do not.
    expect(together).toHaveBeenCalledTimes(label === 'the Redis store beside the records' ? 1 : 0);
  });

  it('forget removes a failed page row the store no longer holds', async () => {
    const [id] = await fail(3);
    await store.forget(id); // as a removal made before the records were kept in step did
    expect((await failedPage()).total).toBe(1);
    expect(await t.failed.forget(id)).toBe(true);
    expect(await failedPage()).toEqual({ jobs: [], total: 0 });
    expect(await failedPage('failing:3')).toEqual({ jobs: [], total: 0 });
  });

  it('flush and prune remove the jobs they take from the store from the failed page too, and keep the others', async () => {
    const [old, recent, other] = await fail(4, 5, 6);
    // `old` failed three hours ago, in the store and in the records alike.
    const threeHoursAgo = Date.now() - 3 * 3_600_000;
    const record = (await store.find(old))!;
    await store.log({ ...record, failedAt: new Date(threeHoursAgo) });
    await t.redis.zadd(keys().failed, threeHoursAgo, old);

    expect(await t.failed.prune(new Date(Date.now() - 2 * 3_600_000))).toBe(1);
    expect((await failedPage()).jobs.map((j) => j.id).sort()).toEqual([recent, other].sort());
    expect(await failedPage('failing:4')).toEqual({ jobs: [], total: 0 });
    expect(await t.redis.exists(recordKey(keys(), old))).toBe(0);
    expect(await t.redis.hexists(keys().data, old)).toBe(0);
    expect(await t.redis.hexists(keys().data, recent)).toBe(1);

    expect(await t.failed.flush(1)).toBe(0);
    expect((await failedPage()).total).toBe(2);
    expect(await t.failed.flush()).toBe(2);
    expect(await failedPage()).toEqual({ jobs: [], total: 0 });
    expect(await failedPage('failing')).toEqual({ jobs: [], total: 0 });
    const [later] = await fail(7);
    expect((await failedPage()).jobs.map((j) => j.id)).toEqual([later]);
  });
});
