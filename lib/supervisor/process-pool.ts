import { WorkerProcess, ProcessCommand } from './worker-process';
import { SupervisorSettings, workerArguments } from './supervisor-settings';

/**
 * The worker processes of one supervisor serving one queue list (Horizon's ProcessPool). Scaling up starts
 * processes; scaling down asks the oldest to stop after their job and kills any still running `timeout` seconds
 * later. Processes asked to stop count toward the pool until they are gone, so balancing never overshoots.
 */
export class ProcessPool {
  private processes: WorkerProcess[] = [];
  private terminating: WorkerProcess[] = [];
  private paused = false;

  constructor(
    readonly queues: readonly string[],
    private readonly settings: SupervisorSettings,
    private readonly command: ProcessCommand,
    private readonly master: string,
    private readonly log: (line: string) => void,
  ) {}

  /** The pool's key in `status` (`"critical,high,default"` for one pool over a list). */
  get name(): string {
    return this.queues.join(',');
  }

  /** Processes kept by the pool (running or about to be restarted), not counting those asked to stop. */
  get size(): number {
    return this.processes.length;
  }

  /** Kept plus still stopping: what Horizon's totalProcessCount is. */
  get total(): number {
    this.prune();
    return this.processes.length + this.terminating.length;
  }

  pids(): number[] {
    return [...this.processes, ...this.terminating].map((p) => p.pid).filter((pid): pid is number => pid !== null);
  }

  /** Live worker processes (what `status` counts). */
  running(): number {
    return this.processes.filter((p) => p.running).length;
  }

  scale(target: number): void {
    const n = Math.max(0, Math.floor(target));
    while (this.processes.length < n) this.startOne();
    if (this.processes.length > n) {
      const leaving = this.processes.splice(0, this.processes.length - n);
      for (const p of leaving) {
        p.terminate();
        this.terminating.push(p);
      }
    }
  }

  /** Kills processes that were asked to stop more than `timeout` seconds ago and drops those that are gone. */
  prune(now = Date.now()): void {
    const limit = this.settings.timeout * 1000;
    for (const p of this.terminating) {
      if (p.running && p.terminatedAt !== null && now - p.terminatedAt >= limit) p.kill();
    }
    this.terminating = this.terminating.filter((p) => p.running);
  }

  pause(): void {
    this.paused = true;
    for (const p of this.processes) p.pause();
  }

  continue(): void {
    this.paused = false;
    for (const p of this.processes) p.continue();
  }

  /** Stops every process after its job (SIGTERM) and resolves once all are gone; kills those past `timeout`. */
  async terminate(): Promise<void> {
    this.scale(0);
    const timer = setInterval(() => this.prune(), 500);
    try {
      await Promise.all(this.terminating.map((p) => p.waitForExit()));
    } finally {
      clearInterval(timer);
    }
    this.prune();
  }

  /** Kills every process at once. */
  kill(): void {
    for (const p of [...this.processes, ...this.terminating]) p.kill();
  }

  private startOne(): void {
    const label = `${this.settings.name}[${this.name}]`;
    const process = new WorkerProcess({
      command: this.command,
      args: (paused) => workerArguments(this.settings, this.queues, this.master, paused),
      nice: this.settings.nice,
      log: this.log,
      label,
    });
    process.start(this.paused);
    this.processes.push(process);
  }
}
