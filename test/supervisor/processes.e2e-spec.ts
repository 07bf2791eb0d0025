import { processesOf, SlowJob, QuickJob, MemoryHog, useSupervisorSuite, waitFor } from './support/supervisor-suite';

jest.setTimeout(120_000);

describe('supervise: worker processes die, pass their memory, restart, and stop gracefully', () => {
  const suite = useSupervisorSuite();
  const pidsOf = async (supervisor: string) => (await suite.masters()).flatMap((m) => m.supervisors.filter((s) => s.name === supervisor).flatMap((s) => s.pids));

  it('replaces a SIGKILLed worker, and the job it held still runs (after retryAfter)', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 1, sleep: 0.2 } } });
    const [first] = await waitFor(async () => {
      const p = await pidsOf('s');
      return p.length === 1 ? p : undefined;
    }, 60_000, () => master.stdout() + master.stderr());
    await suite.app().bus.dispatch(SlowJob, { n: 1, ms: 1500 });
    await waitFor(async () => (await suite.log()).includes(`slow-start:1:${first}`), 30_000, async () => JSON.stringify(await suite.log()));
    process.kill(first, 'SIGKILL');
    const [second] = await waitFor(async () => {
      const p = await pidsOf('s');
      return p.length === 1 && p[0] !== first ? p : undefined;
    }, 30_000, () => master.stdout());
    const log = await waitFor(async () => {
      const l = await suite.log();
      return l.includes(`slow-done:1:${second}`) ? l : undefined;
    }, 40_000, async () => JSON.stringify(await suite.log()) + master.stdout());
    expect(log).not.toContain(`slow-done:1:${first}`);
    expect(master.stdout()).toMatch(new RegExp(`worker ${first} was killed by SIGKILL; restarting`));
  });

  it('restarts a worker that passed its memory limit (exit 12); the next job runs in the new process', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 1, memory: 60, sleep: 0.2 } } });
    const [first] = await waitFor(async () => {
      const p = await pidsOf('s');
      return p.length === 1 ? p : undefined;
    }, 60_000, () => master.stdout() + master.stderr());
    await suite.app().bus.dispatch(MemoryHog, { n: 1, mb: 90 });
    await waitFor(async () => (await suite.log()).includes(`hog:1:${first}`), 30_000, async () => JSON.stringify(await suite.log()));
    const [second] = await waitFor(async () => {
      const p = await pidsOf('s');
      return p.length === 1 && p[0] !== first ? p : undefined;
    }, 30_000, () => master.stdout());
    expect(master.stdout()).toMatch(new RegExp(`worker ${first} passed its memory limit \\(exit 12\\)`));
    await suite.app().bus.dispatch(QuickJob, { n: 2 });
    await waitFor(async () => (await suite.log()).includes(`quick:2:${second}`), 30_000, async () => JSON.stringify(await suite.log()));
  });

  it('terminate --wait lets the jobs in hand finish, loses none, and returns once the master has exited with 0', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 2, sleep: 0.2 } } });
    await waitFor(async () => processesOf(await suite.masters(), 's')['default'] === 2, 60_000, () => master.stdout() + master.stderr());
    const t = suite.app();
    for (let n = 1; n <= 5; n++) await t.bus.dispatch(SlowJob, { n, ms: 2500 });
    await waitFor(async () => (await suite.log()).filter((l) => l.startsWith('slow-start')).length === 2, 30_000, async () => JSON.stringify(await suite.log()));

    const terminate = await suite.cli(['terminate', '--wait']);
    expect(terminate.code).toBe(0);
    expect(terminate.stdout).toMatch(/Sent terminate to 1 master/);
    expect(terminate.stdout).toMatch(/Every master has exited/);
    const exit = await master.exited;
    expect(exit.code).toBe(0);
    expect(await suite.masters()).toEqual([]);

    const log = await suite.log();
    const started = log.filter((l) => l.startsWith('slow-start')).map((l) => l.split(':')[1]);
    const done = log.filter((l) => l.startsWith('slow-done')).map((l) => l.split(':')[1]);
    expect(done.sort()).toEqual(started.sort());
    const sizes = await t.manager.connection('redis').sizes('default');
    expect(sizes.reserved).toBe(0);
    expect(sizes.ready + done.length).toBe(5);
  });

  it('SIGTERM to the master terminates it gracefully (exit 0, job in hand finished)', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 1, sleep: 0.2 } } });
    await waitFor(async () => processesOf(await suite.masters(), 's')['default'] === 1, 60_000, () => master.stdout() + master.stderr());
    await suite.app().bus.dispatch(SlowJob, { n: 7, ms: 2000 });
    await waitFor(async () => (await suite.log()).some((l) => l.startsWith('slow-start:7')), 30_000, async () => JSON.stringify(await suite.log()));
    master.child.kill('SIGTERM');
    const exit = await master.exited;
    expect(exit.code).toBe(0);
    expect((await suite.log()).some((l) => l.startsWith('slow-done:7'))).toBe(true);
    expect(await suite.masters()).toEqual([]);
  });

  it('restart reaches supervised workers: each stops after its job and the supervisor starts a fresh one', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 2, sleep: 0.2 } } });
    const before = await waitFor(async () => {
      const p = await pidsOf('s');
      return p.length === 2 ? p : undefined;
    }, 60_000, () => master.stdout() + master.stderr());
    // A worker compares the restart stamp with the one it read when its loop began: so first hold each worker in
    // a job (each of two gated jobs keeps one worker busy until the gate opens), proof that both loops are running.
    await suite.app().bus.dispatch(SlowJob, { n: 31, gate: 'restart' });
    await suite.app().bus.dispatch(SlowJob, { n: 32, gate: 'restart' });
    const busy = (log: string[]) => before.every((pid) => log.some((l) => l.startsWith('slow-start:') && l.endsWith(`:${pid}`)));
    await waitFor(async () => busy(await suite.log()), 60_000, async () => JSON.stringify(await suite.log()));
    expect((await suite.cli(['restart'])).code).toBe(0);
    await suite.app().redis.set(`${suite.app().prefix}fixture:gate:restart`, '1');
    const after = await waitFor(async () => {
      const p = await pidsOf('s');
      return p.length === 2 && p.every((pid) => !before.includes(pid)) ? p : undefined;
    }, 60_000, () => master.stdout());
    expect(after).toHaveLength(2);
    // Each old worker finished the job in its hand before it stopped.
    const log = await suite.log();
    for (const pid of before) expect(log.filter((l) => l.startsWith('slow-done:') && l.endsWith(`:${pid}`))).toHaveLength(1);
    await suite.app().bus.dispatch(QuickJob, { n: 3 });
    await waitFor(async () => (await suite.log()).some((l) => after.some((pid) => l === `quick:3:${pid}`)), 30_000, async () => JSON.stringify(await suite.log()));
  });
});
