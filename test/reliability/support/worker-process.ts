import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { WorkerOptions } from '../../../lib';

const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'worker-process');

export interface WorkerProcessOptions {
  redisUrl: string;
  prefix: string;
  retryAfter?: number;
  blockFor?: number | null;
  worker?: WorkerOptions;
  /** Print the worker's output to this process's stderr as it comes (for debugging a test). */
  echo?: boolean;
  /** More environment for the worker (undefined removes a variable). */
  env?: Record<string, string | undefined>;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A forked worker process running test/fixtures/worker-process/worker-main.ts. */
export class WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed (stdout and stderr), as it arrives. */
  output = '';
  readonly exited: Promise<WorkerExit>;
  private exit: WorkerExit | null = null;

  constructor(options: WorkerProcessOptions) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: options.prefix,
      RETRY_AFTER: String(options.retryAfter ?? 90),
      BLOCK_FOR: options.blockFor == null ? '' : String(options.blockFor),
      WORKER_OPTIONS: JSON.stringify(options.worker ?? {}),
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    this.child = fork(join(FIXTURE_DIR, 'worker-main.ts'), [], {
      env,
      execArgv: ['-r', join(FIXTURE_DIR, 'register.js')],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output += text;
      if (options.echo) process.stderr.write(`[worker ${this.child.pid}] ${text}`);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Resolves once the worker has built its app and entered Worker.run(). */
  async ready(timeoutMs = 20000): Promise<void> {
    await this.waitForOutput(/WORKER_READY/, timeoutMs);
  }

  /** Waits until the output matches, failing with the output so far when the process exits first or time runs out. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.output)) {
      if (!this.running) throw new Error(`Worker ${this.pid} exited (${JSON.stringify(this.exit)}) before printing ${pattern}. Output:\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`Worker ${this.pid} did not print ${pattern} within ${timeoutMs} ms. Output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Counts the lines of output that match. */
  count(pattern: RegExp): number {
    return this.output.split('\n').filter((line) => pattern.test(line)).length;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Waits for the exit, failing with the output when it does not come in time. */
  async waitForExit(timeoutMs = 20000): Promise<WorkerExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Worker ${this.pid} did not exit within ${timeoutMs} ms. Output:\n${this.output}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILLs the process if it still runs and waits for it to be gone. */
  async kill(): Promise<WorkerExit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/** Starts a worker process and waits until it runs. */
export async function startWorker(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const worker = new WorkerProcess(options);
  try {
    await worker.ready();
  } catch (error) {
    await worker.kill();
    throw error;
  }
  return worker;
}
