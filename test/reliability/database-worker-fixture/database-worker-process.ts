import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { DatabaseOptions, WorkerOptions } from '../../../lib';
import { testRedisUrl } from '../../support/test-redis';

const REGISTER = join(__dirname, '..', '..', 'fixtures', 'worker-process', 'register.js');

/** A forked worker process on a database connection (database-worker-main.ts). */
export class DatabaseWorkerProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;

  constructor(database: DatabaseOptions, options: { retryAfter?: number; blockFor?: number; worker?: WorkerOptions } = {}) {
    this.child = fork(join(__dirname, 'database-worker-main.ts'), [], {
      env: {
        ...process.env,
        DB_OPTIONS: JSON.stringify(database),
        REDIS_URL: testRedisUrl(),
        RETRY_AFTER: String(options.retryAfter ?? 90),
        BLOCK_FOR: options.blockFor === undefined ? '' : String(options.blockFor),
        WORKER_OPTIONS: JSON.stringify(options.worker ?? {}),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      execArgv: ['-r', REGISTER],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const collect = (chunk: Buffer) => void (this.output += chunk.toString());
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Lines of output that match. */
  lines(pattern: RegExp): string[] {
    return this.output.split('\n').filter((line) => pattern.test(line));
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 30000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.output)) {
      if (this.done) throw new Error(`Worker ${this.pid} exited before printing ${pattern}. Output:\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`Worker ${this.pid} did not print ${pattern} within ${timeoutMs} ms. Output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM (a graceful stop) and the exit, or SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.done) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.done) this.child.kill('SIGKILL');
    return this.exited;
  }
}

export async function startDatabaseWorker(
  database: DatabaseOptions,
  options: { retryAfter?: number; blockFor?: number; worker?: WorkerOptions } = {},
): Promise<DatabaseWorkerProcess> {
  const worker = new DatabaseWorkerProcess(database, options);
  try {
    await worker.waitForOutput(/WORKER_READY/);
  } catch (error) {
    await worker.kill();
    throw error;
  }
  return worker;
}
