import { readFileSync } from 'node:fs';
import { resolveQueueConfig } from '../../lib';
import { processesOf, QuickJob, useSupervisorSuite, waitFor, Environments } from './support/supervisor-suite';

jest.setTimeout(150_000);

/** The seed's config/horizon.php 'environments', word for word in camelCase. */
export const SEED_SUPERVISORS: Environments = {
  production: {
    'supervisor-1': { connection: 'redis', queue: ['critical', 'high', 'default'], balance: 'auto', maxProcesses: 10, minProcesses: 1, balanceMaxShift: 1, balanceCooldown: 3, memory: 128, tries: 3, timeout: 90, nice: 0 },
    'long-running': { connection: 'redis-long', queue: ['exports', 'imports'], balance: 'simple', processes: 3, memory: 256, tries: 1, timeout: 600 },
  },
  local: {
    'supervisor-1': { connection: 'redis', queue: ['critical', 'high', 'default', 'low'], balance: 'simple', processes: 3, tries: 1 },
  },
};

describe("the seed's Horizon config", () => {
  const suite = useSupervisorSuite();

  it('is accepted as is by the configuration', () => {
    const config = resolveQueueConfig({ supervisors: SEED_SUPERVISORS, horizon: { waits: { 'redis:default': 60 } } });
    expect(config.supervisors.production['supervisor-1'].queue).toEqual(['critical', 'high', 'default']);
    expect(config.supervisors.local['supervisor-1'].processes).toBe(3);
    expect(config.horizon).toMatchObject({ waits: { 'redis:default': 60 }, metrics: { snapshotEvery: 300, trimSnapshots: { job: 24, queue: 24 } } });
  });

  it('names the key at fault in horizon settings', () => {
    expect(() => resolveQueueConfig({ horizon: { waits: { 'nowhere:default': 60 } } })).toThrow(/horizon\.waits\.nowhere:default.*no connection named "nowhere"/);
    expect(() => resolveQueueConfig({ horizon: { metrics: { snapshotEvery: 0 } } })).toThrow(/horizon\.metrics\.snapshotEvery/);
    expect(() => resolveQueueConfig({ supervisors: { production: { s: { queue: ['a'], block: -1 } } } })).toThrow(/supervisors\.production\.s\.block/);
  });

  it('runs unchanged under supervise --environment=production: auto pools at minProcesses, simple split 2+1', async () => {
    const master = suite.supervise(SEED_SUPERVISORS, ['--environment=production']);
    const masters = await waitFor(async () => {
      const all = await suite.masters();
      const one = processesOf(all, 'supervisor-1');
      const long = processesOf(all, 'long-running');
      return one.critical === 1 && one.high === 1 && one.default === 1 && long.exports === 2 && long.imports === 1 ? all : undefined;
    }, 90_000, async () => JSON.stringify(await suite.masters()) + master.stdout() + master.stderr());
    expect(masters[0].environment).toBe('production');
    expect(masters[0].supervisors.map((s) => [s.name, s.connection, s.balance])).toEqual([
      ['supervisor-1', 'redis', 'auto'],
      ['long-running', 'redis-long', 'simple'],
    ]);
    expect((await suite.cli(['terminate', '--wait'])).code).toBe(0);
    expect((await master.exited).code).toBe(0);
  });

  it('refuses an environment with no supervisors, naming the ones there are', async () => {
    const result = await suite.cli(['supervise', '--environment=staging'], SEED_SUPERVISORS);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No supervisors are configured for the environment "staging".*production, local/);
  });

  it('a supervisor with its own block time runs workers that block inside Redis on the connection that does not', async () => {
    // The fixture's connection has blockFor: null; block: 5 makes the supervised worker wait in BLPOP on its queue's
    // wake-up list (seen in CLIENT LIST) instead of sleeping, and a job dispatched then still runs.
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 1, sleep: 60, block: 5 } } });
    const t = suite.app();
    const notify = `${t.prefix}queues:{default}:notify`;
    const [state] = await waitFor(async () => {
      const all = await suite.masters();
      return all.length === 1 && all[0].supervisors[0]?.pids.length === 1 ? all : undefined;
    }, 60_000, async () => `${master.stdout()}\n${master.stderr()}`);
    const pid = state.supervisors[0].pids[0];
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--block=5');
    await waitFor(
      async () => (await t.redis.client('LIST') as string).split('\n').some((line) => /cmd=blpop/.test(line)) || undefined,
      60_000,
      async () => `no client blocked in BLPOP on ${notify}\n${master.stdout()}\n${master.stderr()}`,
    );
    await t.bus.dispatch(QuickJob, { n: 1 });
    const log = await waitFor(async () => {
      const l = await suite.log();
      return l.length >= 1 ? l : undefined;
    }, 30_000, async () => JSON.stringify(await suite.log()));
    expect(log[0]).toMatch(/^quick:1:/);
  });

  it('a master that was SIGKILLed drops out of status, and its workers stop on their own', async () => {
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 1, sleep: 0.2 } } });
    const [state] = await waitFor(async () => {
      const all = await suite.masters();
      return all.length === 1 && all[0].supervisors[0].pids.length === 1 ? all : undefined;
    }, 60_000, () => master.stdout() + master.stderr());
    const worker = state.supervisors[0].pids[0];
    master.child.kill('SIGKILL');
    await waitFor(async () => ((await suite.cli(['status'])).code === 1 ? true : undefined), 30_000, () => 'the dead master is still listed');
    await waitFor(async () => {
      try {
        process.kill(worker, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 30_000, () => `worker ${worker} outlived its master`);
  });
});
