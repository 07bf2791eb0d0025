import type { INestApplicationContext } from '@nestjs/common';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QueueManager } from '../drivers/queue-manager';
import { QUEUE_CONFIG } from '../queue.constants';
import { RedisClient, RedisConnections } from '../redis/redis-connections';
import { horizonRedis } from './horizon-redis';
import { CommandChannel, MasterCommand } from './command-channel';
import { MasterRegistry, MasterState } from './master-registry';
import { Metrics, MetricsRepository, MetricsSnapshot } from './metrics-repository';
import type { SupervisorState } from './supervisor';
import { QueueWorkload, WaitTimeCalculator } from './wait-time-calculator';

export type HorizonStatus = 'running' | 'paused' | 'inactive';

/** A supervisor with the master it runs in. */
export interface SupervisorOnMaster extends SupervisorState {
  master: string;
}

/**
 * What the CLI and the dashboard read and send (Horizon's repositories behind its API): live masters and their
 * supervisors, the overall status, workload per queue, metrics per job and per queue with their snapshots, and
 * commands to every master. Built on the same Redis the masters use.
 */
export class HorizonState {
  readonly registry: MasterRegistry;
  readonly metrics: MetricsRepository;
  readonly channel: CommandChannel;
  private readonly waits: WaitTimeCalculator;

  constructor(
    readonly config: ResolvedQueueConfig,
    redis: RedisClient,
    manager: QueueManager,
  ) {
    this.registry = new MasterRegistry(redis, config.prefix);
    this.metrics = new MetricsRepository(redis, config.prefix);
    this.channel = new CommandChannel(redis, config.prefix);
    this.waits = new WaitTimeCalculator(manager, this.metrics);
  }

  /** The state of the app's queues: its configuration, its Redis, its connections (QueueModule's providers). */
  static of(app: Pick<INestApplicationContext, 'get'>): HorizonState {
    const config = app.get<ResolvedQueueConfig>(QUEUE_CONFIG, { strict: false });
    return new HorizonState(config, horizonRedis(config, app.get(RedisConnections, { strict: false })), app.get(QueueManager, { strict: false }));
  }

  masters(): Promise<MasterState[]> {
    return this.registry.all();
  }

  /** `inactive` with no live master, `paused` when every master is paused, else `running` (horizon:status). */
  static statusOf(masters: readonly MasterState[]): HorizonStatus {
    if (masters.length === 0) return 'inactive';
    return masters.every((m) => m.status === 'paused') ? 'paused' : 'running';
  }

  async status(): Promise<{ status: HorizonStatus; masters: MasterState[] }> {
    const masters = await this.masters();
    return { status: HorizonState.statusOf(masters), masters };
  }

  async supervisors(): Promise<SupervisorOnMaster[]> {
    return (await this.masters()).flatMap((m) => m.supervisors.map((s) => ({ ...s, master: m.name })));
  }

  /** Every queue a live supervisor serves, with its length, processes and wait. */
  async workload(): Promise<QueueWorkload[]> {
    return this.waits.workload(await this.masters(), Object.keys(this.config.horizon.waits));
  }

  measuredJobs(): Promise<string[]> {
    return this.metrics.measuredJobs();
  }

  measuredQueues(): Promise<string[]> {
    return this.metrics.measuredQueues();
  }

  jobMetrics(name: string): Promise<Metrics> {
    return this.metrics.jobMetrics(name);
  }

  queueMetrics(queue: string): Promise<Metrics> {
    return this.metrics.queueMetrics(queue);
  }

  jobSnapshots(name: string): Promise<MetricsSnapshot[]> {
    return this.metrics.jobSnapshots(name);
  }

  queueSnapshots(queue: string): Promise<MetricsSnapshot[]> {
    return this.metrics.queueSnapshots(queue);
  }

  /** Takes a metrics snapshot now (`nestjs-queue snapshot`), with each queue's current wait. */
  async snapshot(): Promise<void> {
    const workload = new Map((await this.workload()).map((w) => [w.name, w.wait]));
    await this.metrics.snapshot(this.config.horizon.metrics.trimSnapshots, async (queue) => workload.get(queue) ?? 0);
  }

  /** Sends a command to every live master; resolves to the masters told. */
  async broadcast(command: MasterCommand): Promise<MasterState[]> {
    const masters = await this.masters();
    await Promise.all(masters.map((m) => this.channel.send(m.name, command)));
    return masters;
  }
}
