import { Job, QueueModuleOptions } from '../../lib';
import type { DashboardStats, MastersResponse, MetricSnapshotsResponse, WorkloadResponse, JobListResponse } from '../../lib/dashboard';
import { QueueDashboardModule } from '../../lib/dashboard';
import { HorizonState } from '../../lib/supervisor/horizon-state';
import { buildCli } from '../cli/support/cli-build';
import { CliProcess, runCli, startCli } from '../cli/support/run-cli';
import { BUILD_TIMEOUT_MS, SUPERVISOR_APP, waitFor } from '../supervisor/support/supervisor-suite';
import { testRedisUrl, uniquePrefix } from '../support/test-redis';
import { DashboardTestApp, PLATFORMS, startDashboardApp } from './support/dashboard-app';

jest.setTimeout(180_000);

/** The fixture app's QuickJob, by name (its handler runs in the master's worker processes). */
@Job({ name: 'QuickJob' })
class QuickJob {
  async handle(_data: { n: number }): Promise<void> {
    throw new Error('runs in a worker process');
  }
}

/** The supervisor fixture's connections, so the dashboard reads the queues its master serves. */
const queueOptions = (prefix: string): QueueModuleOptions => ({
  default: 'redis',
  connections: {
    redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 3, blockFor: null },
    sync: { driver: 'sync' },
  },
  prefix,
});

const SUPERVISORS = { test: { 'supervisor-1': { connection: 'redis', queue: ['default', 'low'], balance: 'simple', processes: 2, sleep: 0.2 } } };

describe.each(PLATFORMS)('dashboard masters, workload, stats and metrics on %s, with a real supervise master', (platform) => {
  let dist = '';
  let t: DashboardTestApp;
  let master: CliProcess | null = null;
  beforeAll(() => {
    dist = buildCli();
  }, BUILD_TIMEOUT_MS);
  beforeEach(async () => {
    t = await startDashboardApp(platform, QueueDashboardModule.forRoot({ authorize: () => true }), { providers: [QuickJob], queue: queueOptions(uniquePrefix('dash-master')) });
  });
  afterEach(async () => {
    if (master && master.child.exitCode === null && master.child.signalCode === null) {
      master.child.kill('SIGKILL');
      await master.exited;
    }
    master = null;
    await t.close();
  }, 30_000);

  const env = () => ({ dist, redisUrl: testRedisUrl(), prefix: t.prefix, extra: { QUEUE_APP: SUPERVISOR_APP, SUPERVISORS_JSON: JSON.stringify(SUPERVISORS) } });

  it('shows the master and its supervisors, the workload per queue, the stats, and the metrics its workers record', async () => {
    master = startCli(['supervise', '--environment=test'], env());
    const masters = await waitFor(
      async () => {
        const m = await t.json<MastersResponse>('/horizon/api/masters');
        const sup = Object.values(m)[0]?.supervisors[0];
        return sup && sup.processes.default === 1 && sup.processes.low === 1 ? m : undefined;
      },
      60_000,
      async () => `masters: ${JSON.stringify(await t.json('/horizon/api/masters'))}\n${master?.stdout()}\n${master?.stderr()}`,
    );
    const [name] = Object.keys(masters);
    expect(masters[name]).toMatchObject({ name, pid: master.child.pid, environment: 'test', status: 'running' });
    expect(masters[name].supervisors).toEqual([
      expect.objectContaining({ name: 'supervisor-1', master: name, connection: 'redis', queues: ['default', 'low'], balance: 'simple', status: 'running', processes: { default: 1, low: 1 } }),
    ]);
    expect(masters[name].supervisors[0].pids).toHaveLength(2);

    const workload = await t.json<WorkloadResponse>('/horizon/api/workload');
    expect(workload).toEqual([
      { name: 'redis:default', connection: 'redis', queue: 'default', length: 0, processes: 1, wait: 0 },
      { name: 'redis:low', connection: 'redis', queue: 'low', length: 0, processes: 1, wait: 0 },
    ]);

    for (let n = 0; n < 6; n++) await t.bus.dispatch(QuickJob, { n });
    const log = `${t.prefix}fixture:log`;
    await waitFor(async () => (await t.redis.llen(log)) === 6 || undefined, 30_000, async () => JSON.stringify(await t.redis.lrange(log, 0, -1)));
    // Workers send their measurements once a second.
    await waitFor(async () => ((await t.json<string[]>('/horizon/api/metrics/queues')).includes('redis:default') ? true : undefined), 20_000, () => 'no queue metrics');
    expect(await t.json<string[]>('/horizon/api/metrics/jobs')).toEqual(['QuickJob']);
    const completed = await waitFor(async () => {
      const c = await t.json<JobListResponse>('/horizon/api/jobs/completed');
      return c.total === 6 ? c : undefined;
    }, 20_000, async () => JSON.stringify(await t.json('/horizon/api/jobs/completed')));
    expect(completed.jobs.every((j) => j.name === 'QuickJob' && j.status === 'completed')).toBe(true);

    const stats = await waitFor(async () => {
      const s = await t.json<DashboardStats>('/horizon/api/stats');
      return s.queueWithMaxThroughput === 'redis:default' ? s : undefined;
    }, 20_000, async () => JSON.stringify(await t.json('/horizon/api/stats')));
    expect(stats).toMatchObject({ status: 'running', processes: 2, pausedMasters: 0, failedJobs: 0, queueWithMaxThroughput: 'redis:default', queueWithMaxRuntime: 'redis:default', maxWaitTime: 0, queueWithMaxWait: null });
    expect(stats.jobsPerMinute).toBeGreaterThan(0);
    expect(stats.recentJobs).toBeGreaterThanOrEqual(6);
    expect(Object.keys(stats.wait)).toHaveLength(1);

    await t.app.get(HorizonState).snapshot();
    const queueSnapshots = await t.json<MetricSnapshotsResponse>('/horizon/api/metrics/queues/redis:default');
    expect(queueSnapshots).toHaveLength(1);
    expect(queueSnapshots[0]).toMatchObject({ throughput: 6, wait: 0 });
    expect(queueSnapshots[0].runtime).toBeGreaterThanOrEqual(0);
    expect(queueSnapshots[0].runtime).toBeLessThan(60);
    expect(Math.abs(queueSnapshots[0].time - Date.now() / 1000)).toBeLessThan(120);
    const jobSnapshots = await t.json<MetricSnapshotsResponse>('/horizon/api/metrics/jobs/QuickJob');
    expect(jobSnapshots).toEqual([expect.objectContaining({ throughput: 6 })]);
    expect(await t.json('/horizon/api/metrics/jobs/NoSuchJob')).toEqual([]);

    expect((await runCli(['pause'], env(), { timeoutMs: 30_000 })).code).toBe(0);
    const paused = await waitFor(async () => {
      const s = await t.json<DashboardStats>('/horizon/api/stats');
      return s.status === 'paused' ? s : undefined;
    }, 20_000, async () => JSON.stringify(await t.json('/horizon/api/stats')));
    expect(paused.pausedMasters).toBe(1);
  });
});
