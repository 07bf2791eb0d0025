import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_APP } from './support/run-cli';
import { useCliSuite } from './support/cli-suite';

const COMMANDS = [
  'work', 'failed', 'retry', 'forget', 'flush', 'prune-failed', 'failed:table', 'clear', 'size', 'monitor', 'restart', 'pause', 'continue', 'prune-batches', 'jobs:table', 'batches:table',
];

describe('nestjs-queue usage', () => {
  const cli = useCliSuite();

  it('--help lists every command and exits 0, the supervisor commands too (their worker entry stays hidden)', async () => {
    const result = await cli.run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Usage: nestjs-queue [options] [command]');
    const listed = [...result.stdout.matchAll(/^ {2}([a-z:-]+)\b/gm)].map((m) => m[1]);
    expect(listed).toEqual(expect.arrayContaining(COMMANDS));
    expect(listed).toEqual(expect.arrayContaining(['supervise', 'status', 'supervisors', 'terminate', 'snapshot', 'pause-supervisor', 'continue-supervisor']));
    expect(listed).not.toContain('supervisor:work');
  });

  it.each(COMMANDS)('%s --help describes the command and exits 0 without loading the app', async (command) => {
    const result = await cli.run([command, '--help'], { QUEUE_APP: undefined });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: nestjs-queue ${command}\\b`));
  });

  it('work --help names every artisan option', async () => {
    const { stdout } = await cli.run(['work', '--help']);
    for (const option of ['--queue', '--concurrency', '--tries', '--timeout', '--sleep', '--backoff', '--max-jobs', '--max-time', '--memory', '--rest', '--once', '--stop-when-empty']) {
      expect(stdout).toContain(option);
    }
  });

  it('the build has the bin with its shebang and the ./testing entry point', () => {
    const bin = readFileSync(join(cli.dist(), 'cli', 'bin.js'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const testing = require(join(cli.dist(), 'testing')) as Record<string, unknown>;
    expect(Object.keys(testing)).toEqual(expect.arrayContaining(['BusFake', 'BusAssertionError']));
  });

  it('--version prints the package version', async () => {
    const result = await cli.run(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${require('../../package.json').version}\n` });
  });

  it.each([
    [['bogus'], "error: unknown command 'bogus'"],
    [['wrok'], "error: unknown command 'wrok' (Did you mean work?)"],
    [['work', '--tries=abc'], "error: option '--tries <n>' argument 'abc' is invalid. Expected a whole number of 0 or more."],
    [['work', '--sleep=-1'], "error: option '--sleep <seconds>' argument '-1' is invalid. Expected a number of 0 or more."],
    [['work', '--concurrency=0'], "error: option '--concurrency <n>' argument '0' is invalid. Expected a whole number of 1 or more."],
    [['work', '--backoff=10,,30'], "error: option '--backoff <seconds>' argument '10,,30' is invalid. Expected seconds of 0 or more, one number or a comma list such as 10,30,60."],
    [['work', '--bogus'], "error: unknown option '--bogus'"],
    [['work', 'redis', 'extra'], "error: too many arguments for 'work'. Expected 1 argument but got 2."],
    [['retry'], "error: missing required argument 'ids'"],
    [['forget'], "error: missing required argument 'id'"],
    [['monitor'], "error: missing required argument 'queues'"],
    [['monitor', 'redis:default', '--max=lots'], "error: option '--max <n>' argument 'lots' is invalid. Expected a whole number of 0 or more."],
    [['pause'], 'error: No master is running: start one with `supervise`. (To pause one queue, name it: pause redis:default.)'],
    [['prune-failed', '--hours=x'], "error: option '--hours <hours>' argument 'x' is invalid. Expected a number of 0 or more."],
  ])('%j exits 1 with a one-line error', async (args, message) => {
    const result = await cli.run(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${message}\n`);
  });

  // One test per case: each runs the CLI with the app loaded, which takes seconds on a loaded machine.
  it.each<[string[], string]>([
    [['size', 'nope'], 'error: No connection named "nope"; configured connections: '],
    [['work', 'nope'], 'error: Queue connection "nope" is not configured. Configured connections: '],
    [['monitor', 'nope:default'], 'error: No connection named "nope" in "nope:default"'],
    [['monitor', 'redis:default,'], 'error: "redis:default," has an empty entry'],
    [['pause', 'redis:'], 'error: "redis:" is not a queue: write connection:queue, e.g. redis:default.'],
    [['pause', 'sync:default'], 'error: Connection "sync" uses the sync driver, which has no workers to pause; name a redis or database connection.'],
    [['work', 'sync'], 'error: Invalid queue configuration at "connections.sync": the sync connection runs jobs at dispatch; there is nothing to work. Pick a redis or database connection.'],
    [['size', '--queue=high,,low'], 'error: Queue list "high,,low" has an empty queue name at position 2'],
    [['retry', '1', 'all'], 'error: "all" retries every failed job: pass it alone, not among ids.'],
  ])('bad value %j checked against the app exits 1 with a one-line error', async (args, start) => {
    const result = await cli.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr.slice(0, start.length)).toBe(start);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('says how to name the app when neither --app nor QUEUE_APP is given', async () => {
    const result = await cli.run(['size'], { QUEUE_APP: undefined });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: No app module given: pass --app <path to compiled module>#<ExportName> (e.g. --app dist/app.module.js#AppModule) or set QUEUE_APP.\n',
    );
  });

  it('loads --app relative to the current directory, and prefers it to QUEUE_APP', async () => {
    const relativePath = join('test', 'fixtures', 'cli-app', 'app.module.js');
    const result = await cli.run(['--app', `${relativePath}#AppModule`, 'size'], { QUEUE_APP: 'missing.js#AppModule' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Connection\s+Queue\s+Ready/);
  });

  it('takes AppModule when the spec names no export', async () => {
    const result = await cli.run(['size'], { QUEUE_APP: FIXTURE_APP });
    expect(result.code).toBe(0);
  });

  it.each([
    ['/no/such/file.js#AppModule', 'error: No app module file at /no/such/file.js (from "/no/such/file.js#AppModule"): build your app first, or fix the path (it is resolved from the current directory).'],
    [`${FIXTURE_APP}#Nope`, `error: ${FIXTURE_APP} has no export named "Nope" (its exports: AppModule, PlainModule, queueOptions, notAModule); pass --app <path>#<ExportName> naming your app module.`],
    [`${FIXTURE_APP}#notAModule`, `error: ${FIXTURE_APP} exports something that is not a module class as "notAModule" (its exports: AppModule, PlainModule, queueOptions, notAModule); pass --app <path>#<ExportName> naming your app module.`],
    [`${FIXTURE_APP}#PlainModule`, 'error: The app module PlainModule does not import QueueModule: add QueueModule.forRoot(...) to its imports.'],
    [`${join(__dirname, 'support', 'cli-suite.ts')}#X`, `error: ${join(__dirname, 'support', 'cli-suite.ts')} is a TypeScript file; the CLI loads your compiled app. Compile first`],
  ])('a bad app (%s) exits 1 with a one-line error', async (spec, message) => {
    const result = await cli.run(['--app', spec, 'size']);
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
