import type { SupervisorOptions } from '../config/queue-options.interface';

export type Balance = 'auto' | 'simple' | false;

/** One supervisor's options with Horizon's defaults filled in (SupervisorOptions.php). */
export interface SupervisorSettings {
  name: string;
  connection: string;
  queues: string[];
  balance: Balance;
  autoScalingStrategy: 'time' | 'size';
  /** Processes in all: `processes` for simple/false; the upper bound for auto. */
  maxProcesses: number;
  /** Per pool, for auto. */
  minProcesses: number;
  balanceMaxShift: number;
  balanceCooldown: number;
  memory: number;
  tries: number;
  timeout: number;
  sleep: number;
  backoff: number[];
  maxJobs: number;
  maxTime: number;
  rest: number;
  nice: number;
  concurrency: number;
  block: number | null;
  force: boolean;
}

/**
 * Horizon's defaults: balance off (one pool over all queues), one process, 128 MB, 60 s timeout, tries 0
 * (unlimited, for jobs that set none), sleep 3, cooldown 3 s, shift 1. `processes` is Horizon's name for
 * maxProcesses outside auto balancing (as its ProvisioningPlan converts it).
 */
export function supervisorSettings(name: string, o: SupervisorOptions, defaultConnection: string): SupervisorSettings {
  const queues = Array.isArray(o.queue) ? [...o.queue] : o.queue.split(',').map((q) => q.trim()).filter(Boolean);
  const balance: Balance = o.balance ?? false;
  const maxProcesses = balance === 'auto' ? (o.maxProcesses ?? o.processes ?? 1) : (o.processes ?? o.maxProcesses ?? 1);
  return {
    name,
    connection: o.connection ?? defaultConnection,
    queues,
    balance,
    autoScalingStrategy: o.autoScalingStrategy ?? 'time',
    maxProcesses,
    minProcesses: o.minProcesses ?? 1,
    balanceMaxShift: o.balanceMaxShift ?? 1,
    balanceCooldown: o.balanceCooldown ?? 3,
    memory: o.memory ?? 128,
    tries: o.tries ?? 0,
    timeout: o.timeout ?? 60,
    sleep: o.sleep ?? 3,
    backoff: o.backoff === undefined ? [0] : ([] as number[]).concat(o.backoff),
    maxJobs: o.maxJobs ?? 0,
    maxTime: o.maxTime ?? 0,
    rest: o.rest ?? 0,
    nice: o.nice ?? 0,
    concurrency: o.concurrency ?? 1,
    block: o.block ?? null,
    force: o.force ?? false,
  };
}

/** The pools of a supervisor: one per queue when balancing, else one over the whole list. */
export function poolQueues(s: SupervisorSettings): string[][] {
  return s.balance === false ? [s.queues] : s.queues.map((q) => [q]);
}

/**
 * The arguments of one worker process: the CLI's hidden `supervisor:work` command, which runs the same Worker as
 * `work` (same loop, same options), adds pause/continue and metrics. Queue names are literal.
 */
export function workerArguments(s: SupervisorSettings, queues: readonly string[], master: string, paused: boolean): string[] {
  const args = [
    'supervisor:work',
    s.connection,
    `--queue=${queues.join(',')}`,
    `--supervisor=${master}:${s.name}`,
    `--tries=${s.tries}`,
    `--timeout=${s.timeout}`,
    `--sleep=${s.sleep}`,
    `--memory=${s.memory}`,
    `--max-jobs=${s.maxJobs}`,
    `--max-time=${s.maxTime}`,
    `--rest=${s.rest}`,
    `--backoff=${s.backoff.join(',')}`,
    `--concurrency=${s.concurrency}`,
  ];
  if (s.block !== null) args.push(`--block=${s.block}`);
  if (paused) args.push('--paused');
  return args;
}

/**
 * Processes per pool for `simple`: `processes` split evenly, the remainder to the first queues, and at least one
 * per queue (Horizon's floor(processes / queues) would give the seed's local supervisor, 3 processes over 4 queues,
 * no worker at all).
 */
export function simpleSplit(total: number, pools: number): number[] {
  const each = Math.floor(total / pools);
  const rest = total % pools;
  return Array.from({ length: pools }, (_, i) => Math.max(1, each + (i < rest ? 1 : 0)));
}
