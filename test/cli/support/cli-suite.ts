import type { QueueTestApp } from '../../support/queue-app';
import { testRedisUrl } from '../../support/test-redis';
import { buildCli } from './cli-build';
import { createDispatchApp } from './dispatch-app';
import { CliEnv, CliProcess, CliResult, runCli, startCli } from './run-cli';

/** Building takes a few seconds the first time (the result is cached by a hash of lib/). */
export const BUILD_TIMEOUT_MS = 180_000;

export interface CliSuite {
  /** The dispatching app of the current test (its own prefix). */
  app(): QueueTestApp;
  env(extra?: NodeJS.ProcessEnv): CliEnv;
  run(args: string[], extra?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<CliResult>;
  start(args: string[], extra?: NodeJS.ProcessEnv): CliProcess;
  dist(): string;
}

/**
 * Wires a describe block for CLI tests: builds the binary once (beforeAll), gives each test a dispatching app
 * under a fresh key prefix that the CLI processes share, and kills any CLI process a test left running.
 */
export function useCliSuite(): CliSuite {
  let dist = '';
  let current: QueueTestApp | null = null;
  const started: CliProcess[] = [];

  beforeAll(() => {
    dist = buildCli();
  }, BUILD_TIMEOUT_MS);

  beforeEach(async () => {
    current = await createDispatchApp();
  });

  afterEach(async () => {
    for (const cli of started.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
    }
    await current?.close();
    current = null;
  });

  const suite: CliSuite = {
    app() {
      if (!current) throw new Error('The CLI suite app exists only inside a test.');
      return current;
    },
    env(extra) {
      return { dist, redisUrl: testRedisUrl(), prefix: suite.app().prefix, extra };
    },
    run(args, extra, timeoutMs) {
      return runCli(args, suite.env(extra), { timeoutMs });
    },
    start(args, extra) {
      const cli = startCli(args, suite.env(extra));
      started.push(cli);
      return cli;
    },
    dist: () => dist,
  };
  return suite;
}

/** Lines of output that match, for readable expectations. */
export function linesMatching(text: string, pattern: RegExp): string[] {
  return text.split('\n').filter((line) => pattern.test(line));
}
