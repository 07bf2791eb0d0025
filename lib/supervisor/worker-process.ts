import { ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';

/** How to start a process of the CLI: the Node binary and the arguments before the command (script, --app ...). */
export interface ProcessCommand {
  executable: string;
  prefix: string[];
}

/** Messages between a supervisor and its worker process (IPC). */
export type WorkerMessage = { type: 'ready' } | { type: 'pause' } | { type: 'continue' };

export interface WorkerProcessOptions {
  command: ProcessCommand;
  /** The worker command's arguments, built for the current pause state (see workerArguments). */
  args: (paused: boolean) => string[];
  nice: number;
  log: (line: string) => void;
  label: string;
}

/** A process that lived at least this long before dying is not "dying at once": its restart is not delayed. */
const HEALTHY_AFTER_MS = 10_000;
const MAX_RESTART_DELAY_MS = 60_000;

/**
 * One worker OS process (Horizon's WorkerProcess): started, watched, restarted when it dies unasked (at once the
 * first time, then after a pause that doubles while it keeps dying within seconds of its start, up to a minute),
 * paused and continued over IPC, terminated with SIGTERM (it finishes its job in hand) and killed with SIGKILL.
 */
export class WorkerProcess {
  private child: ChildProcess | null = null;
  private ready = false;
  private paused = false;
  private stopping = false;
  private quickDeaths = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private exitWaiters: (() => void)[] = [];
  startedAt = 0;
  /** When terminate() was called, for the kill after `timeout`. */
  terminatedAt: number | null = null;
  /** Processes started over this one's life (1 = never restarted). */
  starts = 0;

  constructor(private readonly o: WorkerProcessOptions) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Running, or waiting to be restarted (it still holds its place in the pool). */
  get alive(): boolean {
    return this.child !== null || this.restartTimer !== null;
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(paused: boolean): void {
    this.paused = paused;
    this.startProcess();
  }

  private startProcess(): void {
    this.restartTimer = null;
    this.ready = false;
    this.startedAt = Date.now();
    this.starts++;
    const child = spawn(this.o.command.executable, [...this.o.command.prefix, ...this.o.args(this.paused)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env,
    });
    this.child = child;
    if (this.o.nice !== 0 && child.pid !== undefined) {
      try {
        setPriority(child.pid, this.o.nice);
      } catch (error) {
        this.o.log(`${this.o.label}: could not set nice ${this.o.nice} on worker ${child.pid}: ${(error as Error).message}`);
      }
    }
    child.on('message', (message: WorkerMessage) => {
      if (message?.type !== 'ready') return;
      this.ready = true;
      // The state may have changed while it started.
      this.send({ type: this.paused ? 'pause' : 'continue' });
    });
    child.on('error', (error) => this.o.log(`${this.o.label}: worker process error: ${error.message}`));
    child.once('exit', (code, signal) => this.exited(child, code, signal));
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.ready = false;
    const waiters = this.exitWaiters.splice(0);
    if (this.stopping) {
      for (const w of waiters) w();
      return;
    }
    const lived = Date.now() - this.startedAt;
    this.quickDeaths = lived < HEALTHY_AFTER_MS ? this.quickDeaths + 1 : 0;
    const delay = this.quickDeaths <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (this.quickDeaths - 2));
    const how = signal ? `was killed by ${signal}` : code === 12 ? 'passed its memory limit (exit 12)' : `exited with code ${code}`;
    this.o.log(`${this.o.label}: worker ${child.pid} ${how}; ${delay ? `restarting in ${delay / 1000} s` : 'restarting'}.`);
    this.restartTimer = setTimeout(() => this.startProcess(), delay);
    for (const w of waiters) w();
  }

  pause(): void {
    this.paused = true;
    this.send({ type: 'pause' });
  }

  continue(): void {
    this.paused = false;
    this.send({ type: 'continue' });
  }

  /** Asks it to stop after its job in hand (SIGTERM); it is not restarted. */
  terminate(): void {
    if (this.terminatedAt === null) this.terminatedAt = Date.now();
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.child?.kill('SIGTERM');
  }

  /** Ends it at once (SIGKILL); its job returns to the queue after retryAfter. */
  kill(): void {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.child?.kill('SIGKILL');
  }

  /** Resolves when the current process (if any) has exited. */
  waitForExit(): Promise<void> {
    if (!this.child) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private send(message: WorkerMessage): void {
    const child = this.child;
    if (!child || !this.ready || !child.connected) return;
    try {
      child.send(message);
    } catch {
      // It is exiting; the exit handler takes it from here.
    }
  }
}
