import { job, Job, OnQueue } from '../../lib';
import type { BatchDetailResponse, BatchListResponse, DashboardJob, DashboardStats, JobListResponse, MonitoringResponse } from '../../lib/dashboard';
import { QueueDashboardModule } from '../../lib/dashboard';
import { DashboardTestApp, PLATFORMS, startDashboardApp } from './support/dashboard-app';

jest.setTimeout(60_000);

/** What the jobs did, in this process (the worker runs in the test's own app). */
const state = { allowed: new Set<number>(), runs: [] as number[] };

@Job({ name: 'dash.greet', tags: (d: { n: number }) => [`user:${d.n}`, 'greetings'] })
@OnQueue('default')
class Greet {
  async handle(_data: { n: number; text?: string }): Promise<void> {}
}

@Job({ name: 'dash.quiet' })
class Quiet {
  async handle(_data: { n: number }): Promise<void> {}
}

@Job({ name: 'dash.flaky', tries: 1, tags: (d: { n: number }) => ['flaky', `flaky:${d.n}`] })
class Flaky {
  async handle(data: { n: number }): Promise<void> {
    state.runs.push(data.n);
    if (!state.allowed.has(data.n)) throw new Error(`flaky ${data.n} says no`);
  }
}

@Job({ name: 'dash.secret', encrypted: true })
@OnQueue('default')
class Secret {
  async handle(_data: { pin: string }): Promise<void> {}
}

const JOBS = [Greet, Quiet, Flaky, Secret];
const KEY = 'ab'.repeat(32);

describe.each(PLATFORMS)('dashboard job routes on %s', (platform) => {
  let t: DashboardTestApp;
  beforeEach(async () => {
    state.allowed.clear();
    state.runs = [];
    t = await startDashboardApp(platform, QueueDashboardModule.forRoot({ authorize: () => true }), { providers: JOBS, queue: { key: KEY, horizon: { silenced: ['dash.quiet'] } } });
  });
  afterEach(() => t.close());

  const work = () => t.worker.run({ queue: 'default', stopWhenEmpty: true, sleep: 0, handleSignals: false, memory: 0 });

  it('lists pending jobs newest first with totals and pages them with starting_at and limit', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await t.bus.dispatch(Greet, { n, text: `hello ${n}` }))!);
    const all = await t.json<JobListResponse>('/horizon/api/jobs/pending');
    expect(all.total).toBe(5);
    expect(all.jobs.map((j) => j.id)).toEqual([...ids].reverse());
    expect(all.jobs.map((j) => j.index)).toEqual([0, 1, 2, 3, 4]);
    expect(all.jobs[0]).toMatchObject({ name: 'dash.greet', connection: 'redis', queue: 'default', status: 'pending', tags: ['user:4', 'greetings'], data: { n: 4, text: 'hello 4' }, encrypted: false });

    const seen: string[] = [];
    let startingAt = -1;
    for (let page = 0; page < 3; page++) {
      const res = await t.json<JobListResponse>(`/horizon/api/jobs/pending?starting_at=${startingAt}&limit=2`);
      expect(res.total).toBe(5);
      expect(res.jobs.length).toBe(page < 2 ? 2 : 1);
      seen.push(...res.jobs.map((j) => j.id));
      startingAt = res.jobs[res.jobs.length - 1].index!;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await t.json<JobListResponse>(`/horizon/api/jobs/pending?starting_at=4`)).jobs).toEqual([]);

    expect((await t.request('/horizon/api/jobs/no-such-id')).status).toBe(404);
    for (const bad of ['starting_at=abc', 'starting_at=-2', 'limit=0', 'limit=100000', 'starting_at=1.5']) {
      expect([bad, (await t.request(`/horizon/api/jobs/pending?${bad}`)).status]).toEqual([bad, 400]);
    }
  });

  it('lists completed jobs without the silenced ones, and the silenced ones apart, and shows one job', async () => {
    const greet = [(await t.bus.dispatch(Greet, { n: 1 }))!, (await t.bus.dispatch(Greet, { n: 2 }))!];
    const quiet = (await t.bus.dispatch(Quiet, { n: 3 }).onQueue('default'))!;
    await work();
    const completed = await t.json<JobListResponse>('/horizon/api/jobs/completed');
    expect(completed.total).toBe(2);
    expect(completed.jobs.map((j) => j.id).sort()).toEqual([...greet].sort());
    for (const j of completed.jobs) expect(j).toMatchObject({ status: 'completed', attempts: 1, silenced: false });
    expect(typeof completed.jobs[0].completedAt).toBe('number');
    const one = await t.json<DashboardJob>(`/horizon/api/jobs/${greet[1]}`);
    expect(one).toMatchObject({ id: greet[1], name: 'dash.greet', status: 'completed', attempts: 1, data: { n: 2 }, tags: ['user:2', 'greetings'], queue: 'default', connection: 'redis' });
    expect(typeof one.pushedAt).toBe('number');
    expect(one.completedAt!).toBeGreaterThanOrEqual(one.pushedAt);
    expect(one.index).toBeUndefined();
    const silenced = await t.json<JobListResponse>('/horizon/api/jobs/silenced');
    expect(silenced).toMatchObject({ total: 1, jobs: [{ id: quiet, name: 'dash.quiet', silenced: true, status: 'completed' }] });
    expect((await t.json<JobListResponse>('/horizon/api/jobs/pending')).total).toBe(0);
    const stats = await t.json<DashboardStats>('/horizon/api/stats');
    expect(stats).toMatchObject({ failedJobs: 0, status: 'inactive', processes: 0, pausedMasters: 0, periods: { failedJobs: 10080, recentJobs: 60 } });
    expect(stats.recentJobs).toBeGreaterThanOrEqual(2);
  });

  it('lists failed jobs (also by tag) with their exception, and a retry from the dashboard runs the job again', async () => {
    const id = (await t.bus.dispatch(Flaky, { n: 1 }).onQueue('default'))!;
    await t.bus.dispatch(Greet, { n: 9 });
    await work();
    expect(state.runs).toEqual([1]);

    const failed = await t.json<JobListResponse>('/horizon/api/jobs/failed');
    expect(failed.total).toBe(1);
    expect(failed.jobs[0]).toMatchObject({ id, name: 'dash.flaky', status: 'failed', index: 0, tags: ['flaky', 'flaky:1'] });
    expect(failed.jobs[0].exception).toContain('flaky 1 says no');
    expect((await t.json<JobListResponse>('/horizon/api/jobs/failed?tag=flaky:1')).jobs.map((j) => j.id)).toEqual([id]);
    expect(await t.json<JobListResponse>('/horizon/api/jobs/failed?tag=greetings')).toEqual({ jobs: [], total: 0 });
    const detail = await t.json<DashboardJob>(`/horizon/api/jobs/failed/${id}`);
    expect(detail).toMatchObject({ id, status: 'failed', attempts: 1, data: { n: 1 } });
    expect(detail.exception).toMatch(/Error: flaky 1 says no/);
    expect(typeof detail.failedAt).toBe('number');
    expect((await t.json<DashboardStats>('/horizon/api/stats')).failedJobs).toBe(1);

    state.allowed.add(1);
    const retry = await t.send('POST', `/horizon/api/jobs/retry/${id}`);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ retried: [id] });
    expect(await t.failed.find(id)).toBeNull();
    await work();
    expect(state.runs).toEqual([1, 1]);
    expect(await t.json<DashboardJob>(`/horizon/api/jobs/${id}`)).toMatchObject({ id, status: 'completed' });
    expect((await t.send('POST', `/horizon/api/jobs/retry/${id}`)).status).toBe(404);
  });

  it('lists batches newest first with their progress (before_id pages), shows one with its failed jobs, and retries them', async () => {
    const older = await t.bus.batch([job(Greet, { n: 20 })]).name('older').onQueue('default').dispatch();
    const batch = await t.bus
      .batch([job(Flaky, { n: 10 }), job(Flaky, { n: 11 }), job(Greet, { n: 12 })])
      .name('import')
      .allowFailures()
      .onQueue('default')
      .dispatch();
    state.allowed.add(11);
    await work();

    const list = await t.json<BatchListResponse>('/horizon/api/batches');
    expect(list.batches.map((b) => b.id)).toEqual([batch.id, older.id]);
    const shown = list.batches[0];
    expect(shown).toMatchObject({ name: 'import', totalJobs: 3, pendingJobs: 1, processedJobs: 2, progress: 67, failedJobs: 1, cancelledAt: null, finishedAt: null });
    expect(shown.options.allowFailures).toBe(true);
    expect(Number.isNaN(Date.parse(shown.createdAt))).toBe(false);
    expect((await t.json<BatchListResponse>(`/horizon/api/batches?before_id=${batch.id}`)).batches.map((b) => b.id)).toEqual([older.id]);

    const detail = await t.json<BatchDetailResponse>(`/horizon/api/batches/${batch.id}`);
    expect(detail.batch.failedJobIds).toHaveLength(1);
    expect(detail.failedJobs).toHaveLength(1);
    expect(detail.failedJobs[0]).toMatchObject({ id: detail.batch.failedJobIds[0], name: 'dash.flaky', status: 'failed', data: { n: 10 }, batchId: batch.id });
    expect((await t.request('/horizon/api/batches/no-such-batch')).status).toBe(404);

    state.allowed.add(10);
    const retry = await t.send('POST', `/horizon/api/batches/retry/${batch.id}`);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ retried: detail.batch.failedJobIds });
    await work();
    expect(state.runs.filter((n) => n === 10)).toEqual([10, 10]);
    const after = await t.json<BatchDetailResponse>(`/horizon/api/batches/${batch.id}`);
    expect(after.batch).toMatchObject({ pendingJobs: 0, processedJobs: 3, progress: 100, failedJobIds: [] });
    expect(after.batch.finishedAt).not.toBeNull();
  });

  it('shows an encrypted job without its data or payload, waiting, finished and alone', async () => {
    const id = (await t.bus.dispatch(Secret, { pin: 'pin-4242' }))!;
    const res = await t.request('/horizon/api/jobs/pending');
    const text = await res.text();
    expect(text).not.toContain('pin-4242');
    const list = JSON.parse(text) as JobListResponse;
    expect(list.jobs).toEqual([expect.objectContaining({ id, name: 'dash.secret', encrypted: true })]);
    expect(list.jobs[0].data).toBeUndefined();
    expect(list.jobs[0].payload).toBeUndefined();
    await work();
    const one = await t.request(`/horizon/api/jobs/${id}`);
    expect(one.status).toBe(200);
    const text2 = await one.text();
    expect(text2).not.toContain('pin-4242');
    const record = JSON.parse(text2) as DashboardJob;
    expect(record).toMatchObject({ id, status: 'completed', encrypted: true });
    expect(record.data).toBeUndefined();
    expect(record.payload).toBeUndefined();
    const completed = await (await t.request('/horizon/api/jobs/completed')).text();
    expect(completed).toContain(id);
    expect(completed).not.toContain('pin-4242');
  });

  it('monitors a tag: its jobs are listed and counted until the tag is forgotten', async () => {
    expect((await t.send('POST', '/horizon/api/monitoring', { tag: 'user:7' })).status).toBe(200);
    expect((await t.send('POST', '/horizon/api/monitoring', { tag: '' })).status).toBe(400);
    expect((await t.send('POST', '/horizon/api/monitoring', {})).status).toBe(400);
    const seven = (await t.bus.dispatch(Greet, { n: 7 }))!;
    await t.bus.dispatch(Greet, { n: 8 });
    expect(await t.json<MonitoringResponse>('/horizon/api/monitoring')).toEqual([{ tag: 'user:7', count: 1 }]);
    const jobs = await t.json<JobListResponse>('/horizon/api/monitoring/user%3A7');
    expect(jobs.total).toBe(1);
    expect(jobs.jobs.map((j) => [j.id, j.index])).toEqual([[seven, 0]]);
    await work();
    expect((await t.json<JobListResponse>('/horizon/api/monitoring/user%3A7')).jobs[0]).toMatchObject({ id: seven, status: 'completed' });
    expect((await t.send('DELETE', '/horizon/api/monitoring/user%3A7')).status).toBe(200);
    expect(await t.json<MonitoringResponse>('/horizon/api/monitoring')).toEqual([]);
  });
});
