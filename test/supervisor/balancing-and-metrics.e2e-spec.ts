import { MetricsRepository } from '../../lib/supervisor/metrics-repository';
import { processesOf, QuickJob, SlowJob, useSupervisorSuite, waitFor } from './support/supervisor-suite';

jest.setTimeout(150_000);

describe('supervise: auto balancing, metrics, several masters', () => {
  const suite = useSupervisorSuite();

  it('auto starts each pool at minProcesses, moves processes toward the busy queue by maxShift per cooldown within min/max, and back when it drains', async () => {
    const master = suite.supervise({
      test: { auto: { queue: ['busy', 'idle'], balance: 'auto', minProcesses: 1, maxProcesses: 4, balanceMaxShift: 1, balanceCooldown: 1, sleep: 0.2 } },
    });
    await waitFor(async () => {
      const p = processesOf(await suite.masters(), 'auto');
      return p.busy === 1 && p.idle === 1;
    }, 60_000, () => master.stdout() + master.stderr());

    const t = suite.app();
    for (let n = 0; n < 60; n++) await t.bus.dispatch(SlowJob, { n, ms: 300 }).onQueue('busy');
    const seen: Record<string, number>[] = [];
    await waitFor(async () => {
      const p = processesOf(await suite.masters(), 'auto');
      seen.push(p);
      return p.busy === 3 ? true : undefined;
    }, 60_000, () => `${JSON.stringify(seen)}\n${master.stdout()}`);
    // Drained: back to the minimum.
    await waitFor(async () => {
      const p = processesOf(await suite.masters(), 'auto');
      seen.push(p);
      return p.busy === 1 && (await t.manager.connection('redis').size('busy')) === 0 ? true : undefined;
    }, 90_000, () => `${JSON.stringify(seen)}\n${master.stdout()}`);

    for (const p of seen) {
      expect(p.idle).toBeGreaterThanOrEqual(1);
      expect(p.busy).toBeGreaterThanOrEqual(1);
      expect(p.busy + p.idle).toBeLessThanOrEqual(4 + 1); // + one that is finishing its job after being asked to stop
    }
    const steps = master.stdout().split('\n').filter((l) => l.includes('auto balanced:'));
    expect(steps.length).toBeGreaterThanOrEqual(4); // 1->2->3 and 3->2->1 at least
    for (const line of steps) {
      for (const [, from, to] of line.matchAll(/(?:busy|idle) (\d+)->(\d+)/g)) {
        expect(Math.abs(Number(to) - Number(from))).toBeLessThanOrEqual(1);
        expect(Number(to)).toBeGreaterThanOrEqual(1);
        expect(Number(to)).toBeLessThanOrEqual(3);
      }
    }
    // Every job ran once.
    const done = (await suite.log()).filter((l) => l.startsWith('slow-done'));
    expect(new Set(done.map((l) => l.split(':')[1])).size).toBe(60);
  });

  it('records throughput and runtime per job and per queue from the workers, and snapshot stores them', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default', 'high'], balance: 'simple', processes: 2, sleep: 0.2 } } });
    await waitFor(async () => {
      const p = processesOf(await suite.masters(), 's');
      return p.default === 1 && p.high === 1;
    }, 60_000, () => master.stdout() + master.stderr());
    const t = suite.app();
    for (let n = 0; n < 6; n++) await t.bus.dispatch(QuickJob, { n });
    for (let n = 0; n < 3; n++) await t.bus.dispatch(SlowJob, { n, ms: 200 }).onQueue('high');
    const metrics = new MetricsRepository(t.redis, t.prefix);
    await waitFor(async () => {
      const [quick, slow] = await Promise.all([metrics.jobMetrics('QuickJob'), metrics.jobMetrics('SlowJob')]);
      return quick.throughput === 6 && slow.throughput === 3 ? true : undefined;
    }, 30_000, async () => JSON.stringify([await metrics.jobMetrics('QuickJob'), await metrics.jobMetrics('SlowJob')]));
    expect(await metrics.measuredJobs()).toEqual(['QuickJob', 'SlowJob']);
    expect(await metrics.measuredQueues()).toEqual(['redis:default', 'redis:high']);
    const slow = await metrics.jobMetrics('SlowJob');
    expect(slow.runtime).toBeGreaterThanOrEqual(190);
    expect((await metrics.queueMetrics('redis:high')).throughput).toBe(3);
    expect((await metrics.queueMetrics('redis:default')).throughput).toBe(6);

    const snap = await suite.cli(['snapshot']);
    expect(snap.code).toBe(0);
    const [snapshot] = await metrics.jobSnapshots('SlowJob');
    expect(snapshot).toMatchObject({ throughput: 3 });
    expect(snapshot.runtime).toBeGreaterThanOrEqual(190);
    const [queueSnapshot] = await metrics.queueSnapshots('redis:high');
    expect(queueSnapshot).toMatchObject({ throughput: 3, wait: 0 });
    // Counters start again after a snapshot; the runtime the balancer reads survives it.
    expect((await metrics.jobMetrics('SlowJob')).throughput).toBe(0);
    expect(await metrics.runtimeForQueue('redis:high')).toBeGreaterThanOrEqual(190);
  });

  it('the master takes snapshots every snapshotEvery seconds, keeps trimSnapshots, and raises LongWaitDetected past horizon.waits', async () => {
    const master = suite.supervise(
      { test: { s: { queue: ['default'], balance: false, processes: 1, sleep: 0.2 } } },
      ['--environment=test'],
      { HORIZON_JSON: JSON.stringify({ waits: { 'redis:default': 1 }, metrics: { snapshotEvery: 1, trimSnapshots: { job: 2, queue: 2 } } }) },
    );
    await waitFor(async () => processesOf(await suite.masters(), 's')['default'] === 1, 60_000, () => master.stdout() + master.stderr());
    const t = suite.app();
    for (let n = 0; n < 30; n++) await t.bus.dispatch(SlowJob, { n, ms: 400 });
    const metrics = new MetricsRepository(t.redis, t.prefix);
    await waitFor(async () => ((await metrics.jobSnapshots('SlowJob')).length === 2 ? true : undefined), 40_000, () => master.stdout());
    await new Promise((r) => setTimeout(r, 2500));
    expect((await metrics.jobSnapshots('SlowJob')).length).toBe(2);
    // 30 jobs of 400 ms on one process is about 12 s of wait: over the 1 s threshold.
    await master.waitForOutput(/LongWaitDetected redis:default \d+s/, 40_000);
  });

  it('lists two masters on one Redis, each with its supervisors; terminate stops both', async () => {
    const supervisors = { test: { s: { queue: ['default'], balance: false as const, processes: 1, sleep: 0.2 } } };
    const a = suite.supervise(supervisors);
    const b = suite.supervise(supervisors);
    const masters = await waitFor(async () => {
      const all = await suite.masters();
      return all.length === 2 && all.every((m) => m.supervisors[0].processes.default === 1) ? all : undefined;
    }, 60_000, () => a.stdout() + b.stdout());
    expect(new Set(masters.map((m) => m.name)).size).toBe(2);
    expect(new Set(masters.map((m) => m.pid))).toEqual(new Set([a.child.pid, b.child.pid]));
    const list = JSON.parse((await suite.cli(['supervisors', '--json'])).stdout) as { master: string; name: string }[];
    expect(list.map((s) => s.master).sort()).toEqual(masters.map((m) => m.name).sort());
    const terminate = await suite.cli(['terminate', '--wait']);
    expect(terminate.stdout).toMatch(/Sent terminate to 2 master/);
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
    expect((await suite.cli(['status'])).code).toBe(1);
  });
});
