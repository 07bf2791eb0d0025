import { processesOf, QuickJob, useSupervisorSuite, waitFor } from './support/supervisor-suite';

jest.setTimeout(120_000);

describe('supervise: simple balancing, status, pause and continue', () => {
  const suite = useSupervisorSuite();

  it('splits processes evenly over one pool per queue, runs their jobs in real worker processes, and answers status', async () => {
    const master = suite.supervise({ test: { 'supervisor-1': { connection: 'redis', queue: ['high', 'default'], balance: 'simple', processes: 4, sleep: 0.2 } } });
    const masters = await waitFor(
      async () => {
        const all = await suite.masters();
        const p = processesOf(all, 'supervisor-1');
        return p.high === 2 && p.default === 2 ? all : undefined;
      },
      60_000,
      async () => `masters: ${JSON.stringify(await suite.masters())}\n${master.stdout()}\n${master.stderr()}`,
    );
    expect(masters).toHaveLength(1);
    const sup = masters[0].supervisors[0];
    expect(sup.pids).toHaveLength(4);
    expect(new Set(sup.pids).size).toBe(4);

    const t = suite.app();
    for (let n = 0; n < 10; n++) await t.bus.dispatch(QuickJob, { n }).onQueue(n % 2 ? 'high' : 'default');
    const log = await waitFor(async () => {
      const l = await suite.log();
      return l.length >= 10 ? l : undefined;
    }, 30_000, async () => JSON.stringify(await suite.log()));
    const pids = new Set(log.map((line) => Number(line.split(':')[2])));
    for (const pid of pids) expect(sup.pids).toContain(pid);
    expect(pids.has(masters[0].pid)).toBe(false);

    const status = await suite.cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout.trim()).toBe('running');
    const json = JSON.parse((await suite.cli(['status', '--json'])).stdout);
    expect(json.status).toBe('running');
    expect(json.masters[0].supervisors[0]).toMatchObject({ name: 'supervisor-1', connection: 'redis', queues: ['high', 'default'], balance: 'simple', status: 'running', processes: { high: 2, default: 2 } });
    const table = await suite.cli(['supervisors']);
    expect(table.stdout).toMatch(/supervisor-1\s+redis\s+high,default\s+high=2 default=2\s+simple\s+running/);
  });

  it('pause stops every worker taking jobs until continue, and status says paused (exit 0)', async () => {
    suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 2, sleep: 0.2 } } });
    await waitFor(async () => processesOf(await suite.masters(), 's')['default'] === 2, 60_000, async () => JSON.stringify(await suite.masters()));

    const paused = await suite.cli(['pause']);
    expect(paused.code).toBe(0);
    await waitFor(async () => (await suite.cli(['status'])).stdout.trim() === 'paused', 20_000, () => 'status never said paused');
    // Give the workers a moment to hear it (IPC), then jobs sent now must wait.
    await new Promise((r) => setTimeout(r, 1500));
    const t = suite.app();
    for (let n = 0; n < 3; n++) await t.bus.dispatch(QuickJob, { n });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await suite.log()).toEqual([]);
    expect(await t.manager.connection('redis').size('default')).toBe(3);
    const status = await suite.cli(['status']);
    expect(status.code).toBe(0);

    expect((await suite.cli(['continue'])).code).toBe(0);
    await waitFor(async () => ((await suite.log()).length === 3 ? true : undefined), 30_000, async () => JSON.stringify(await suite.log()));
    expect((await suite.cli(['status'])).stdout.trim()).toBe('running');
  });

  it('pause-supervisor pauses one supervisor only; continue-supervisor resumes it', async () => {
    suite.supervise({
      test: {
        first: { queue: ['one'], balance: false, processes: 1, sleep: 0.2 },
        second: { queue: ['two'], balance: false, processes: 1, sleep: 0.2 },
      },
    });
    await waitFor(async () => {
      const m = await suite.masters();
      return processesOf(m, 'first')['one'] === 1 && processesOf(m, 'second')['two'] === 1;
    }, 60_000, async () => JSON.stringify(await suite.masters()));
    expect((await suite.cli(['pause-supervisor', 'first'])).code).toBe(0);
    await waitFor(async () => (await suite.masters())[0].supervisors.find((s) => s.name === 'first')?.status === 'paused', 20_000, () => 'not paused');
    await new Promise((r) => setTimeout(r, 1500));
    const t = suite.app();
    await t.bus.dispatch(QuickJob, { n: 1 }).onQueue('one');
    await t.bus.dispatch(QuickJob, { n: 2 }).onQueue('two');
    await waitFor(async () => ((await suite.log()).some((l) => l.startsWith('quick:2:')) ? true : undefined), 30_000, async () => JSON.stringify(await suite.log()));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await suite.log()).some((l) => l.startsWith('quick:1:'))).toBe(false);
    expect((await suite.masters())[0].status).toBe('running');

    expect((await suite.cli(['continue-supervisor', 'first'])).code).toBe(0);
    await waitFor(async () => ((await suite.log()).some((l) => l.startsWith('quick:1:')) ? true : undefined), 30_000, async () => JSON.stringify(await suite.log()));
    const unknown = await suite.cli(['pause-supervisor', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No running supervisor named "nope"/);
  });

  it('status prints inactive and exits 1 when no master runs', async () => {
    const status = await suite.cli(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^inactive/);
    const json = await suite.cli(['status', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ status: 'inactive', masters: [] });
  });
});
