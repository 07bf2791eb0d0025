import { join } from 'node:path';
import { useCliSuite } from '../cli/support/cli-suite';
import type { CliProcess } from '../cli/support/run-cli';
import { waitUntil } from '../support/test-redis';

const SCHEDULER_APP = `${join(__dirname, 'fixtures', 'scheduler-app.js')}#SchedulerAppModule`;
const ONLY_EVERY_SECOND = { QUEUE_APP: SCHEDULER_APP, ONLY_EVERY_SECOND: '1' };
const DISPATCHED = /^\s+(\S+Z) EverySecond \.+ DISPATCHED (\S+)$/;

interface Dispatch {
  due: number;
  id: string;
  by: number;
}

/** Every "DISPATCHED" line the processes printed: its due second, job id and process index. */
function dispatches(processes: CliProcess[]): Dispatch[] {
  return processes.flatMap((p, by) =>
    p
      .stdout()
      .split('\n')
      .map((line) => DISPATCHED.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ due: Date.parse(m[1]!) / 1000, id: m[2]!, by })),
  );
}

/** Each due second exactly once, and no second missing between the first and the last. */
function expectEachSecondOnce(list: Dispatch[]): void {
  const seconds = list.map((d) => d.due).sort((a, b) => a - b);
  const counts = new Map<number, number>();
  for (const s of seconds) counts.set(s, (counts.get(s) ?? 0) + 1);
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  const first = seconds[0]!;
  const last = seconds[seconds.length - 1]!;
  const missing = Array.from({ length: last - first + 1 }, (_, i) => first + i).filter((s) => !counts.has(s));
  expect(missing).toEqual([]);
  expect(new Set(list.map((d) => d.id)).size).toBe(list.length);
}

describe('nestjs-queue schedule:work and schedule:list (the built CLI)', () => {
  const cli = useCliSuite();

  async function startSchedulers(n: number): Promise<CliProcess[]> {
    const processes = Array.from({ length: n }, () => cli.start(['schedule:work'], ONLY_EVERY_SECOND));
    await Promise.all(processes.map((p) => p.waitForOutput(/Running the scheduler: 1 task/, 60000)));
    return processes;
  }

  async function stopAll(processes: CliProcess[]): Promise<void> {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    const results = await Promise.all(processes.map((p) => p.exited));
    for (const r of results) if (r.signal !== 'SIGKILL') expect(r.code).toBe(0);
  }

  async function queued(): Promise<number> {
    return cli.app().manager.connection('redis').size('default');
  }

  it('three schedulers for ten seconds dispatch an every-second task exactly once per second', async () => {
    const processes = await startSchedulers(3);
    const allRunning = Math.floor(Date.now() / 1000);
    await waitUntil(() => dispatches(processes).filter((d) => d.due > allRunning).length >= 10, 'ten due seconds with all three running', 60000);
    await stopAll(processes);

    const list = dispatches(processes);
    expectEachSecondOnce(list);
    expect(list.filter((d) => d.due > allRunning).length).toBeGreaterThanOrEqual(10);
    // Every printed dispatch is a job on the queue, and nothing else is.
    expect(await queued()).toBe(list.length);
    for (const p of processes) expect(p.stderr()).not.toMatch(/FAILED|error/i);
  }, 120000);

  it('a scheduler killed with SIGKILL and started again carries on with the others, without a duplicate or a gap', async () => {
    const processes = await startSchedulers(3);
    const count = () => dispatches(processes).length;
    await waitUntil(() => count() >= 3, 'three dispatches', 60000);
    // Kill the one that dispatched last, right after its line (between due times, its claims all settled).
    const victim = processes[dispatches(processes).sort((a, b) => b.due - a.due)[0]!.by]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const atKill = count();
    await waitUntil(() => count() >= atKill + 3, 'three dispatches after the kill', 60000);

    const restarted = cli.start(['schedule:work'], ONLY_EVERY_SECOND);
    processes.push(restarted);
    await restarted.waitForOutput(/Running the scheduler/, 60000);
    const atRestart = count();
    await waitUntil(() => count() >= atRestart + 4, 'four dispatches after the restart', 60000);
    await stopAll(processes);

    const list = dispatches(processes);
    expectEachSecondOnce(list);
    expect(await queued()).toBe(list.length);
  }, 180000);

  it('schedule:list shows each task, its cron, timezone, queue and next due time', async () => {
    const result = await cli.run(['schedule:list'], { QUEUE_APP: SCHEDULER_APP }, 60000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Job\s+Cron\s+Timezone\s+Queue\s+Next due \(local\)\s+Next due \(UTC\)\s+Task$/);
    const row = (job: string, cron: string) => {
      const line = lines.find((l) => l.startsWith(`${job} `) && l.includes(`  ${cron}  `));
      if (!line) throw new Error(`No row for ${job} ${cron} in:\n${result.stdout}`);
      return line.split(/\s{2,}/);
    };
    const [, , zone1, queue1, local1, utc1, id1] = row('EverySecond', '* * * * * *');
    expect([zone1, queue1]).toEqual(['UTC', '-']);
    expect(local1!.replace(' ', 'T')).toBe(utc1!.slice(0, 19));
    expect(id1).toMatch(/^EverySecond:[0-9a-f]{12}$/);

    const [, , zone2, queue2, local2, utc2] = row('exports.prune', '0 3 * * *');
    expect([zone2, queue2]).toEqual(['Europe/Amsterdam', 'low']);
    expect(local2).toMatch(/^\d{4}-\d\d-\d\d 03:00:00$/);
    expect(utc2).toMatch(/T0[12]:00:00\.000Z$/); // 03:00 CET or CEST

    const [, , zone3, , local3, utc3] = row('exports.prune', '30 8 * * MON');
    expect(zone3).toBe('America/New_York');
    expect(local3).toMatch(/ 08:30:00$/);
    expect(new Date(utc3!).getUTCDay()).toBe(1);
    expect(lines).toHaveLength(4);
  }, 120000);

  it('schedule:list says so when nothing is scheduled', async () => {
    const result = await cli.run(['schedule:list'], {}, 60000); // the CLI tests' fixture app: jobs, no schedules
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No scheduled jobs have been defined.\n');
  }, 120000);

  it('a bad schedule fails the command with one line naming the key', async () => {
    const result = await cli.run(['schedule:list'], { QUEUE_APP: SCHEDULER_APP, BAD_SCHEDULE: '1' }, 60000);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: .*Invalid queue configuration at "schedule\[0\]\.cron": "30 25 \* \* MON" is not a cron expression.*\n$/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  }, 120000);

  it.each(['schedule:work', 'schedule:list'])('%s --help describes the command without loading the app', async (command) => {
    const result = await cli.run([command, '--help'], { QUEUE_APP: undefined });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`Usage: nestjs-queue ${command} [options]`);
  });
});
