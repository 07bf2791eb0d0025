import { join } from 'node:path';
import { Job, OnQueue, QueueModuleOptions, SupervisorOptions } from '../../../lib';
import { MasterRegistry, MasterState } from '../../../lib/supervisor/master-registry';
import { buildCli } from '../../cli/support/cli-build';
import { CliProcess, CliResult, runCli, startCli } from '../../cli/support/run-cli';
import { createQueueApp, QueueTestApp } from '../../support/queue-app';
import { testRedisUrl, uniquePrefix } from '../../support/test-redis';

export const SUPERVISOR_APP = `${join(__dirname, '..', 'fixtures', 'supervisor-app.js')}#AppModule`;
export const BUILD_TIMEOUT_MS = 180_000;

/** Names of the fixture's jobs, for dispatching from the test process (their handlers run in the workers). */
@Job()
export class QuickJob {
  async handle(_data: { n: number }): Promise<void> {
    throw new Error('runs in a worker process');
  }
}
@Job({ timeout: 60 })
export class SlowJob {
  /** `ms` milliseconds; with `gate`, until the key `<prefix>fixture:gate:<gate>` exists. */
  async handle(_data: { n: number; ms?: number; gate?: string }): Promise<void> {
    throw new Error('runs in a worker process');
  }
}
@Job()
@OnQueue('default')
export class MemoryHog {
  async handle(_data: { n: number; mb: number }): Promise<void> {
    throw new Error('runs in a worker process');
  }
}

const connections: QueueModuleOptions = {
  default: 'redis',
  connections: {
    redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 3, blockFor: null },
    'redis-long': { driver: 'redis', connection: 'queue', queue: 'long-running', retryAfter: 3, blockFor: null },
    sync: { driver: 'sync' },
  },
};

export type Environments = Record<string, Record<string, SupervisorOptions>>;

export interface SupervisorSuite {
  app(): QueueTestApp;
  /** Starts `supervise` on the fixture app with these supervisors. */
  supervise(supervisors: Environments, args?: string[], extra?: NodeJS.ProcessEnv): CliProcess;
  /** Runs one CLI command against the same app and Redis. */
  cli(args: string[], supervisors?: Environments, extra?: NodeJS.ProcessEnv): Promise<CliResult>;
  masters(): Promise<MasterState[]>;
  log(): Promise<string[]>;
}

/** Builds the CLI once; each test gets its own prefix, a dispatching app, and its `supervise` processes killed after. */
export function useSupervisorSuite(): SupervisorSuite {
  let dist = '';
  let current: QueueTestApp | null = null;
  const started: CliProcess[] = [];

  beforeAll(() => {
    dist = buildCli();
  }, BUILD_TIMEOUT_MS);

  beforeEach(async () => {
    current = await createQueueApp([QuickJob, SlowJob, MemoryHog], { ...connections, prefix: uniquePrefix('sup') });
  });

  afterEach(async () => {
    for (const cli of started.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        // SIGKILL of the master: its workers see the IPC channel close and stop on their own.
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    await current?.close();
    current = null;
  }, 30_000);

  const app = () => {
    if (!current) throw new Error('only inside a test');
    return current;
  };
  const env = (supervisors: Environments | undefined, extra?: NodeJS.ProcessEnv) => ({
    dist,
    redisUrl: testRedisUrl(),
    prefix: app().prefix,
    extra: { QUEUE_APP: SUPERVISOR_APP, SUPERVISORS_JSON: supervisors ? JSON.stringify(supervisors) : undefined, ...extra },
  });
  return {
    app,
    supervise(supervisors, args = ['--environment=test'], extra) {
      const cli = startCli(['supervise', ...args], env(supervisors, extra));
      started.push(cli);
      return cli;
    },
    cli: (args, supervisors, extra) => runCli(args, env(supervisors, extra), { timeoutMs: 30_000 }),
    masters: () => new MasterRegistry(app().redis, app().prefix).all(),
    log: () => app().redis.lrange(`${app().prefix}fixture:log`, 0, -1),
  };
}

/** Polls `check` until it returns a value (not undefined/false), failing after `timeoutMs` with `describe()`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, describe: () => Promise<string> | string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Live worker processes per pool of one supervisor across masters. */
export function processesOf(masters: MasterState[], supervisor: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of masters) for (const s of m.supervisors) if (s.name === supervisor) for (const [q, n] of Object.entries(s.processes)) out[q] = (out[q] ?? 0) + n;
  return out;
}
