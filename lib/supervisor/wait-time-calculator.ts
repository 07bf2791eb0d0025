import type { QueueManager } from '../drivers/queue-manager';
import type { MasterState } from './master-registry';
import type { MetricsRepository } from './metrics-repository';

/** One queue's workload, as the dashboard's workload page shows it. */
export interface QueueWorkload {
  /** `connection:queue`. */
  name: string;
  connection: string;
  queue: string;
  /** Jobs ready now. */
  length: number;
  /** Worker processes serving it, over every live master. */
  processes: number;
  /** Seconds to clear it: ready × average runtime ÷ processes. */
  wait: number;
}

/**
 * Horizon's WaitTimeCalculator: per `connection:queue`, ready size × average runtime ÷ the processes serving it
 * (counted from every live master's supervisors; a pool over a list serves each queue of it).
 */
export class WaitTimeCalculator {
  constructor(
    private readonly manager: QueueManager,
    private readonly metrics: MetricsRepository,
  ) {}

  /** Workload of every queue some live supervisor serves, plus any extra `connection:queue` names asked for. */
  async workload(masters: readonly MasterState[], extra: readonly string[] = []): Promise<QueueWorkload[]> {
    const processes = new Map<string, number>();
    for (const master of masters) {
      for (const sup of master.supervisors) {
        for (const [pool, count] of Object.entries(sup.processes)) {
          for (const queue of pool.split(',')) {
            const name = `${sup.connection}:${queue}`;
            processes.set(name, (processes.get(name) ?? 0) + count);
          }
        }
        for (const queue of sup.queues) if (!processes.has(`${sup.connection}:${queue}`)) processes.set(`${sup.connection}:${queue}`, 0);
      }
    }
    for (const name of extra) if (!processes.has(name)) processes.set(name, 0);
    const out = await Promise.all([...processes].map(([name, count]) => this.calculate(name, count)));
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async calculate(name: string, processes: number): Promise<QueueWorkload> {
    const colon = name.indexOf(':');
    const connection = name.slice(0, colon);
    const queue = name.slice(colon + 1);
    const length = (await this.manager.connection(connection).sizes(queue)).ready;
    const runtime = length > 0 ? await this.metrics.runtimeForQueue(name) : 0;
    const clearMs = length * runtime;
    const wait = Math.round((processes > 0 ? clearMs / processes : clearMs) / 1000);
    return { name, connection, queue, length, processes, wait };
  }
}
