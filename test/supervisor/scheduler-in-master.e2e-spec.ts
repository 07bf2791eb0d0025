import { useSupervisorSuite, waitFor } from './support/supervisor-suite';

jest.setTimeout(150_000);

/** Horizon's masters run the schedule: every `supervise` master hosts the scheduler, and the claims keep it once. */
describe('supervise: the scheduler runs inside every master', () => {
  const suite = useSupervisorSuite();

  it('two masters dispatch an every-second task once per due time between them, and their workers run it', async () => {
    const supervisors = { test: { 'supervisor-1': { connection: 'redis', queue: ['default'], balance: 'simple' as const, processes: 1, sleep: 0.2 } } };
    // QuickJob's data { n } is the same on every dispatch, so the log counts runs; the scheduler prints one line per due time it dispatched.
    const schedule = JSON.stringify([{ job: 'QuickJob', cron: '* * * * * *', data: { n: 7 } }]);
    const a = suite.supervise(supervisors, ['--environment=test'], { SCHEDULE_JSON: schedule });
    const b = suite.supervise(supervisors, ['--environment=test'], { SCHEDULE_JSON: schedule });
    const dispatchedLines = () => [...`${a.stdout()}\n${b.stdout()}`.matchAll(/scheduler: (\S+) QuickJob DISPATCHED/g)].map((m) => m[1]);

    await waitFor(async () => dispatchedLines().length >= 6 || undefined, 90_000, () => `a:\n${a.stdout()}\n${a.stderr()}\nb:\n${b.stdout()}\n${b.stderr()}`);
    const log = await waitFor(async () => {
      const l = await suite.log();
      return l.length >= 4 ? l : undefined;
    }, 60_000, async () => JSON.stringify(await suite.log()));

    const dues = dispatchedLines();
    expect(new Set(dues).size).toBe(dues.length);                         // no due time dispatched by both masters
    expect(log.every((line) => line.startsWith('quick:7:'))).toBe(true);  // run by the supervised workers
  });
});
