import { FIXTURE_ENTRY, runCli } from './support/run-cli';
import { linesMatching, useCliSuite } from './support/cli-suite';
import { FailingJob, fixtureLog, openGate, QuickJob, ReportJob, SlowJob } from './support/dispatch-app';
import { sleep, testRedisUrl, waitUntil } from '../support/test-redis';
import { pausedKey } from '../../lib/worker/control-keys';
import { CommandWatch, readOf, scriptOn } from '../reliability/support/command-watch';

/** How often (ms) a worker reads the restart stamp and the paused queues, at most. */
const CONTROL_INTERVAL_MS = 1000;

const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';
const line = (name: string, status: string) => new RegExp(`^  ${TIME} ${name.replace('.', '\\.')} \\.{3,} ${status}$`);
const RUNNING = (name: string) => line(name, 'RUNNING');
const DONE = (name: string) => line(name, '\\d+\\.\\d\\d(ms|s) DONE');
const FAILED = (name: string) => line(name, '(\\d+\\.\\d\\d(ms|s) )?FAILED');
const RELEASED = (name: string) => line(name, '(\\d+\\.\\d\\d(ms|s) )?RELEASED \\(retry in \\d+s\\)');

// Each test starts CLI processes (a Nest app each): on a loaded machine that alone can take tens of seconds.
jest.setTimeout(120_000);

describe('nestjs-queue work', () => {
  const cli = useCliSuite();

  it('--once processes one job, prints its RUNNING and DONE lines, and exits 0', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 });
    await t.bus.dispatch(QuickJob, { n: 2 });
    const result = await cli.run(['work', '--once']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(linesMatching(result.stdout, RUNNING('QuickJob'))).toHaveLength(1);
    expect(linesMatching(result.stdout, DONE('QuickJob'))).toHaveLength(1);
    expect(await fixtureLog(t)).toEqual(['quick:1']);
    expect(await t.manager.connection('redis').size('default')).toBe(1);
  });

  it('--stop-when-empty drains the queues in priority order, prints FAILED with the exception\'s first line for a failing job, and exits 0', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 }).onQueue('default');
    await t.bus.dispatch(FailingJob, { n: 2 }).onQueue('high');
    await t.bus.dispatch(QuickJob, { n: 3 }).onQueue('high');
    const result = await cli.run(['work', 'redis', '--queue=priority', '--stop-when-empty', '--sleep=0.1']);
    expect(result.code).toBe(0);
    expect(await fixtureLog(t)).toEqual(['quick:3', 'quick:1']);
    const jobLines = result.stdout.split('\n').filter((l) => l.includes(' ... ') || l.includes('....'));
    expect(jobLines.map((l) => l.replace(/.* (\S+) \.+ .*?(RUNNING|DONE|FAILED)$/, '$1 $2'))).toEqual([
      'FailingJob RUNNING', 'FailingJob FAILED', 'QuickJob RUNNING', 'QuickJob DONE', 'QuickJob RUNNING', 'QuickJob DONE',
    ]);
    expect(linesMatching(result.stdout, FAILED('FailingJob'))).toHaveLength(1);
    const lines = result.stdout.split('\n');
    expect(lines[lines.findIndex((l) => FAILED('FailingJob').test(l)) + 1]).toMatch(/^ {4}Error: boom/);
    expect(await t.failed.ids()).toHaveLength(1);
  });

  it('works the connection given as argument, with its default queue', async () => {
    const t = cli.app();
    await t.bus.dispatch(ReportJob, { n: 7 });
    const result = await cli.run(['work', 'other', '--queue=reports', '--stop-when-empty', '--sleep=0.1']);
    expect(result.code).toBe(0);
    expect(linesMatching(result.stdout, DONE('reports.build'))).toHaveLength(1);
    expect(await fixtureLog(t)).toEqual(['report:7']);
  });

  it('passes --tries and --backoff to the worker: a failing job is retried, then recorded as failed', async () => {
    const t = cli.app();
    await t.bus.dispatch(FailingJob, { n: 1 });
    const result = await cli.run(['work', '--tries=2', '--backoff=0', '--stop-when-empty', '--sleep=0.1']);
    expect(result.code).toBe(0);
    expect(linesMatching(result.stdout, RUNNING('FailingJob'))).toHaveLength(2);
    expect(linesMatching(result.stdout, RELEASED('FailingJob'))).toHaveLength(1);
    expect(linesMatching(result.stdout, FAILED('FailingJob'))).toHaveLength(1);
    const [record] = await t.failed.all();
    expect(record.exception).toContain('boom 1');
  });

  it('--max-jobs stops after that many jobs', async () => {
    const t = cli.app();
    for (let n = 1; n <= 3; n++) await t.bus.dispatch(QuickJob, { n });
    const result = await cli.run(['work', '--max-jobs=2', '--sleep=0.1']);
    expect(result.code).toBe(0);
    expect(await fixtureLog(t)).toEqual(['quick:1', 'quick:2']);
  });

  it('--memory exits with code 12 and says why on stderr', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 });
    const result = await cli.run(['work', '--memory=1', '--sleep=0.1']);
    expect(result.code).toBe(12);
    expect(result.stderr.trim()).toBe('The worker stopped: its memory passed --memory.');
    expect(await fixtureLog(t)).toEqual(['quick:1']);
  });

  it('on SIGTERM lets the job in hand finish, takes no other, and exits 0', async () => {
    const t = cli.app();
    await t.bus.dispatch(SlowJob, { n: 1, gate: 'sigterm' });
    await t.bus.dispatch(QuickJob, { n: 2 });
    const worker = cli.start(['work', '--sleep=0.1']);
    await worker.waitForOutput(/SlowJob \.+ RUNNING/);
    // The signal is sent before the gate opens, so the worker has it pending before its job can see the gate
    // (and the CLI prints nothing for it: it logs warnings and errors only).
    worker.child.kill('SIGTERM');
    await openGate(t, 'sigterm');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    expect(linesMatching(result.stdout, DONE('SlowJob'))).toHaveLength(1);
    expect(await fixtureLog(t)).toEqual(['slow-start:1', 'slow-done:1']);
    expect(await t.manager.connection('redis').size('default')).toBe(1);
  });

  it('restart makes a running worker exit 0 after its current job', async () => {
    const t = cli.app();
    await t.bus.dispatch(SlowJob, { n: 1, gate: 'restart' });
    await t.bus.dispatch(QuickJob, { n: 2 });
    const worker = cli.start(['work', '--sleep=0.1']);
    await worker.waitForOutput(/SlowJob \.+ RUNNING/);
    const runningAt = Date.now();
    const restart = await cli.run(['restart']);
    expect(restart).toMatchObject({ code: 0, stdout: 'Broadcasting queue restart signal.\n', stderr: '' });
    // The worker reads the restart stamp at most once a second, the last time before it took this job: keep the
    // job in hand at least that long (a lower bound, whatever the load), then let it finish.
    await sleep(Math.max(0, CONTROL_INTERVAL_MS + 100 - (Date.now() - runningAt)));
    await openGate(t, 'restart');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    expect(linesMatching(result.stdout, DONE('SlowJob'))).toHaveLength(1);
    expect(await fixtureLog(t)).toEqual(['slow-start:1', 'slow-done:1']);
    expect(await t.manager.connection('redis').size('default')).toBe(1);
  });

  it('pause stops a running worker from taking jobs of that queue, continue resumes it', async () => {
    const t = cli.app();
    const watch = await CommandWatch.start(testRedisUrl(), t.prefix);
    try {
      const paused = pausedKey(t.prefix, 'redis', 'high');
      const high = `${t.prefix}queues:{high}`;
      const low = `${t.prefix}queues:{default}`;
      await t.bus.dispatch(QuickJob, { n: 1 }).onQueue('high');
      const worker = cli.start(['work', '--queue=high,default', '--sleep=0.1']);
      await worker.waitForOutput(/QuickJob \.+ .*DONE/);

      const pause = await cli.run(['pause', 'redis:high']);
      expect(pause).toMatchObject({ code: 0, stdout: 'Job processing on queue [redis:high] has been paused.\n' });
      // The pause is written; the worker reads it (at most once a second), then pops the default queue only.
      const written = await watch.waitFor((c) => c.args[0] === paused && c.name !== 'get', 'the pause to be written');
      const read = await watch.waitFor(readOf(paused), 'the worker to read the pause', written + 1);
      let pop = await watch.waitFor(scriptOn(low), 'a pop after the read', read + 1);
      expect(watch.seen[pop].args).not.toContain(high);

      await t.bus.dispatch(QuickJob, { n: 2 }).onQueue('high');
      await t.bus.dispatch(QuickJob, { n: 3 }).onQueue('default');
      await waitUntil(async () => (await fixtureLog(t)).includes('quick:3'), 'the default queue is still worked');
      // Later reads of the pause still leave the high queue out.
      const again = await watch.waitFor(readOf(paused), 'the worker to read the pause again', watch.mark);
      pop = await watch.waitFor(scriptOn(low), 'a pop after that read', again + 1);
      expect(watch.seen[pop].args).not.toContain(high);
      expect(await fixtureLog(t)).toEqual(['quick:1', 'quick:3']);
      expect(await t.manager.connection('redis').size('high')).toBe(1);

      const resume = await cli.run(['continue', 'redis:high']);
      expect(resume).toMatchObject({ code: 0, stdout: 'Job processing on queue [redis:high] has been resumed.\n' });
      await waitUntil(async () => (await fixtureLog(t)).includes('quick:2'), 'the paused queue is worked again', 60000);
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      watch.stop();
    }
  });

  it('runs from an app entry file through bootstrapQueueCli, without --app', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 });
    const result = await runCli(['work', '--once'], cli.env({ QUEUE_APP: undefined }), { script: FIXTURE_ENTRY });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(linesMatching(result.stdout, DONE('QuickJob'))).toHaveLength(1);
    const withApp = await runCli(['--app', 'x.js#A', 'size'], cli.env({ QUEUE_APP: undefined }), { script: FIXTURE_ENTRY });
    expect(withApp.code).toBe(1);
    expect(withApp.stderr).toBe("error: unknown option '--app'\n");
  });
});
