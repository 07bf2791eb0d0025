import { AutoBalancer } from './auto-balancer';
import { ProcessPool } from './process-pool';
import type { ProcessCommand } from './worker-process';
import { poolQueues, simpleSplit, SupervisorSettings } from './supervisor-settings';

export type SupervisorStatus = 'running' | 'paused' | 'terminating';

/** A supervisor as `status --json` lists it. */
export interface SupervisorState {
  name: string;
  connection: string;
  queues: string[];
  balance: SupervisorSettings['balance'];
  status: SupervisorStatus;
  /** Live worker processes per pool (a queue, or the whole list when balance is false). */
  processes: Record<string, number>;
  pids: number[];
}

/**
 * One supervisor of the environment (Horizon's Supervisor): its pools, sized at start (simple: processes split over
 * the queues; false: one pool of `processes`; auto: every pool at minProcesses), rebalanced every
 * `balanceCooldown` seconds when auto, paused, continued and terminated as a whole.
 */
export class Supervisor {
  readonly pools: ProcessPool[];
  private status: SupervisorStatus = 'running';
  private lastBalancedAt = 0;

  constructor(
    readonly settings: SupervisorSettings,
    command: ProcessCommand,
    master: string,
    private readonly log: (line: string) => void,
    private readonly balancer: AutoBalancer,
  ) {
    this.pools = poolQueues(settings).map((queues) => new ProcessPool(queues, settings, command, master, log));
  }

  get name(): string {
    return this.settings.name;
  }

  get paused(): boolean {
    return this.status === 'paused';
  }

  start(): void {
    const s = this.settings;
    if (s.balance === 'auto') for (const pool of this.pools) pool.scale(s.minProcesses);
    else if (s.balance === 'simple') simpleSplit(s.maxProcesses, this.pools.length).forEach((n, i) => this.pools[i].scale(n));
    else this.pools[0].scale(s.maxProcesses);
    this.lastBalancedAt = Date.now();
  }

  /** One turn of the master's loop: prune stopping processes and, when due, rebalance. */
  async tick(now = Date.now()): Promise<void> {
    for (const pool of this.pools) pool.prune(now);
    if (this.status !== 'running' || this.settings.balance !== 'auto') return;
    if (now - this.lastBalancedAt < this.settings.balanceCooldown * 1000) return;
    this.lastBalancedAt = now;
    const before = this.pools.map((p) => p.size);
    await this.balancer.balance(this.settings, this.pools);
    const after = this.pools.map((p) => p.size);
    if (after.some((n, i) => n !== before[i])) {
      this.log(`${this.name} balanced: ${this.pools.map((p, i) => `${p.name} ${before[i]}->${after[i]}`).join(', ')}.`);
    }
  }

  pause(): void {
    if (this.status !== 'running') return;
    this.status = 'paused';
    for (const pool of this.pools) pool.pause();
  }

  continue(): void {
    if (this.status !== 'paused') return;
    this.status = 'running';
    for (const pool of this.pools) pool.continue();
  }

  /** Every worker finishes its job in hand and exits; resolves when all are gone. */
  async terminate(): Promise<void> {
    this.status = 'terminating';
    await Promise.all(this.pools.map((p) => p.terminate()));
  }

  kill(): void {
    for (const pool of this.pools) pool.kill();
  }

  state(): SupervisorState {
    const processes: Record<string, number> = {};
    for (const pool of this.pools) processes[pool.name] = pool.running();
    return {
      name: this.name,
      connection: this.settings.connection,
      queues: [...this.settings.queues],
      balance: this.settings.balance,
      status: this.status,
      processes,
      pids: this.pools.flatMap((p) => p.pids()),
    };
  }
}
