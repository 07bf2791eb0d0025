import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const FIXTURE_APP = join(__dirname, '..', '..', 'fixtures', 'cli-app', 'app.module.js');
const PROJECT_ROOT = join(__dirname, '..', '..', '..');
export const FIXTURE_ENTRY = join(__dirname, '..', '..', 'fixtures', 'cli-app', 'queue-cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  dist: string;
  redisUrl: string;
  prefix: string;
  extra?: NodeJS.ProcessEnv;
}

/** A running CLI process: its output so far, a wait for a line, and its end. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<CliResult>;
}

/** The fixture app as `--app` takes it. */
export const FIXTURE_APP_SPEC = `${FIXTURE_APP}#AppModule`;

/** The child's environment: the fixture app through QUEUE_APP unless `extra` says otherwise (undefined unsets). */
function environment(env: CliEnv): NodeJS.ProcessEnv {
  const all: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NESTJS_QUEUE_DIST: env.dist,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.prefix,
    QUEUE_APP: FIXTURE_APP_SPEC,
    NO_COLOR: '1',
    ...env.extra,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/**
 * Starts the built binary (`node <dist>/cli/bin.js ...args`), or `script` instead of the bin, as a real process
 * whose current directory is the project root.
 */
export function startCli(args: string[], env: CliEnv, script = join(env.dist, 'cli', 'bin.js')): CliProcess {
  const child = spawn(process.execPath, [script, ...args], { cwd: PROJECT_ROOT, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const notify = () => waiters.forEach((w) => w());
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
      notify();
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(pattern, timeoutMs = 60000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) {
            clearTimeout(timer);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`The CLI exited before printing ${pattern}.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => reject(new Error(`No ${pattern} on stdout within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        waiters.push(check);
        check();
      });
    },
  };
}

/** Runs the built binary to its end (killing it after `timeoutMs`). */
export async function runCli(args: string[], env: CliEnv, options: { timeoutMs?: number; script?: string } = {}): Promise<CliResult> {
  const cli = startCli(args, env, options.script);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), options.timeoutMs ?? 20000);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}
