import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import type { QueueManager } from '../drivers/queue-manager';
import type { QueueEvents } from '../events/queue-events.service';
import type { RedisClient } from '../redis/redis-connections';
import { AutoBalancer } from './auto-balancer';
import { CommandChannel, MasterCommand } from './command-channel';
import { MasterRegistry, MasterState, MasterStatus } from './master-registry';
import { MetricsRepository } from './metrics-repository';
import { Supervisor } from './supervisor';
import { supervisorSettings } from './supervisor-settings';
import { WaitTimeCalculator } from './wait-time-calculator';
import { WaitMonitor } from './wait-monitor';
import { HorizonState } from './horizon-state';
import { NoSupervisorsError } from '../errors/supervisor.errors';
import type { ProcessCommand } from './worker-process';

/**
 * Something else the master runs for as long as it runs (the scheduler, for one): started after the supervisors,
 * stopped before they terminate. A service that fails to start is logged; the master goes on.
 */
export interface MasterService {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface MasterOptions {
  config: ResolvedQueueConfig;
  environment: string;
  manager: QueueManager;
  events: QueueEvents;
  /** The Redis that holds the registry, commands and metrics. */
  redis: RedisClient;
  /** How to start a worker process of this CLI. */
  command: ProcessCommand;
  log: (line: string) => void;
  services?: MasterService[];
  /** Milliseconds between turns of the loop. Default 1000. */
  loopEvery?: number;
}

/**
 * The master (Horizon's MasterSupervisor): one per host (or container), named `<host>-<4 hex>`, running every
 * supervisor of the environment in this process, registered in Redis with a short TTL, obeying commands sent through
 * Redis from any host and Horizon's signals (SIGTERM/SIGINT terminate, SIGUSR2 pause, SIGCONT continue). The
 * workers keep running while Redis is away; the master reports the outage once and goes on when it is back.
 */
export class MasterSupervisor {
  readonly name = `${hostname().split('.')[0]}-${randomBytes(2).toString('hex')}`;
  readonly supervisors: Supervisor[];
  private readonly registry: MasterRegistry;
  private readonly channel: CommandChannel;
  readonly metrics: MetricsRepository;
  private readonly waits: WaitMonitor;
  private status: MasterStatus = 'running';
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private finished: Promise<void> | null = null;
  private resolveFinished: (() => void) | null = null;
  private outage = false;
  private lastSnapshotCheck = 0;
  private turning: Promise<void> | null = null;

  constructor(private readonly o: MasterOptions) {
    const prefix = o.config.prefix;
    this.registry = new MasterRegistry(o.redis, prefix);
    this.channel = new CommandChannel(o.redis, prefix);
    this.metrics = new MetricsRepository(o.redis, prefix);
    const waitTimes = new WaitTimeCalculator(o.manager, this.metrics);
    this.waits = new WaitMonitor(o.redis, prefix, o.config.horizon.waits, waitTimes, o.events, () => this.registry.all());
    const environment = o.config.supervisors[o.environment];
    if (!environment || Object.keys(environment).length === 0) {
      const known = Object.keys(o.config.supervisors);
      throw new NoSupervisorsError(o.environment, known);
    }
    this.supervisors = Object.entries(environment).map(([name, options]) => {
      const settings = supervisorSettings(name, options, o.config.default);
      const balancer = new AutoBalancer({
        ready: async (queue) => (await o.manager.connection(settings.connection).sizes(queue)).ready,
        runtime: (queue) => this.metrics.runtimeForQueue(`${settings.connection}:${queue}`),
      });
      return new Supervisor(settings, o.command, this.name, o.log, balancer);
    });
  }

  /** Starts the supervisors and the loop; resolves when the master has terminated (every worker gone). */
  async run(): Promise<void> {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    const detach = this.listenForSignals();
    for (const sup of this.supervisors) sup.start();
    this.o.log(`Master ${this.name} started (${this.o.environment}): ${this.supervisors.map((s) => s.name).join(', ')}.`);
    for (const service of this.o.services ?? []) {
      try {
        await service.start();
      } catch (error) {
        this.o.log(`Service ${service.name} failed to start: ${(error as Error).message}`);
      }
    }
    await this.persist();
    this.timer = setInterval(() => void this.turn(), this.o.loopEvery ?? 1000);
    try {
      await this.finished;
    } finally {
      detach();
    }
  }

  /** One turn: commands, supervisors (pruning, balancing), registry, snapshots, waits. */
  private turn(): Promise<void> {
    if (this.turning) return this.turning;
    this.turning = (async () => {
      try {
        let commands: MasterCommand[] = [];
        try {
          commands = await this.channel.pending(this.name);
        } catch (error) {
          this.reportOutage(error);
        }
        for (const command of commands) this.apply(command);
        if (this.status === 'terminating') return;
        for (const sup of this.supervisors) {
          try {
            await sup.tick();
          } catch (error) {
            // Balancing reads Redis; an outage is reported once, and the supervisor's workers keep running.
            this.reportOutage(error, `supervisor ${sup.name} could not balance`);
          }
        }
        await this.persist();
        await this.periodic();
      } finally {
        this.turning = null;
      }
    })();
    return this.turning;
  }

  private async periodic(): Promise<void> {
    const now = Date.now();
    try {
      const every = this.o.config.horizon.metrics.snapshotEvery * 1000;
      if (now - this.lastSnapshotCheck >= Math.min(every, 1000)) {
        this.lastSnapshotCheck = now;
        if (await this.o.redis.set(this.metrics.keys.snapshotLock(), this.name, 'PX', Math.max(100, every - 250), 'NX')) {
          // The first lock only starts the clock: a snapshot right at start-up would hold a second's worth.
          const last = await this.metrics.lastSnapshotAt();
          if (last === null) await this.o.redis.set(this.metrics.keys.lastSnapshotAt(), Math.floor(now / 1000));
          else await this.snapshot();
        }
      }
      await this.waits.check(now);
    } catch (error) {
      this.reportOutage(error);
    }
  }

  /** Takes a metrics snapshot now (as `nestjs-queue snapshot` does). */
  snapshot(): Promise<void> {
    return new HorizonState(this.o.config, this.o.redis, this.o.manager).snapshot();
  }

  apply(command: MasterCommand): void {
    if (command.type === 'terminate') return void this.terminate();
    const targets = command.supervisor ? this.supervisors.filter((s) => matches(command.supervisor as string, this.name, s.name)) : this.supervisors;
    for (const sup of targets) {
      if (command.type === 'pause') sup.pause();
      else sup.continue();
    }
    if (!command.supervisor) this.status = command.type === 'pause' ? 'paused' : 'running';
    if (targets.length > 0) this.o.log(`${command.type === 'pause' ? 'Paused' : 'Continued'}: ${targets.map((s) => s.name).join(', ')}.`);
  }

  pause(): void {
    this.apply({ type: 'pause' });
  }

  continue(): void {
    this.apply({ type: 'continue' });
  }

  /** Stops the services, lets every worker finish its job in hand, leaves the registry, resolves run(). */
  async terminate(): Promise<void> {
    if (this.status === 'terminating') return;
    this.status = 'terminating';
    this.o.log(`Master ${this.name} terminating: waiting for the jobs in hand.`);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Every worker is marked as stopping at once (a Ctrl-C reaches the workers too: none may be restarted).
    const workersDone = Promise.all(this.supervisors.map((s) => s.terminate()));
    for (const service of [...(this.o.services ?? [])].reverse()) {
      try {
        await service.stop();
      } catch (error) {
        this.o.log(`Service ${service.name} failed to stop: ${(error as Error).message}`);
      }
    }
    await this.persist();
    await workersDone;
    try {
      await this.registry.forget(this.name);
    } catch (error) {
      this.reportOutage(error);
    }
    this.o.log(`Master ${this.name} terminated.`);
    this.resolveFinished?.();
  }

  state(): MasterState {
    return {
      name: this.name,
      host: hostname(),
      pid: process.pid,
      environment: this.o.environment,
      status: this.status,
      startedAt: this.startedAt,
      memory: process.memoryUsage.rss(),
      supervisors: this.supervisors.map((s) => s.state()),
    };
  }

  private async persist(): Promise<void> {
    try {
      await this.registry.update(this.state());
      if (this.outage) {
        this.outage = false;
        this.o.log(`Redis is back: master ${this.name} registered again.`);
      }
    } catch (error) {
      this.reportOutage(error);
    }
  }

  private reportOutage(error: unknown, what = 'Redis failed'): void {
    if (this.outage) return;
    this.outage = true;
    this.o.log(`Master ${this.name}: ${what} (${error instanceof Error ? error.message : String(error)}); the workers keep running, retrying.`);
  }

  private listenForSignals(): () => void {
    const onTerminate = () => void this.terminate();
    const onPause = () => this.pause();
    const onContinue = () => this.continue();
    process.on('SIGTERM', onTerminate);
    process.on('SIGINT', onTerminate);
    process.on('SIGUSR2', onPause);
    process.on('SIGCONT', onContinue);
    return () => {
      process.off('SIGTERM', onTerminate);
      process.off('SIGINT', onTerminate);
      process.off('SIGUSR2', onPause);
      process.off('SIGCONT', onContinue);
    };
  }
}

/** `pause-supervisor supervisor-1` names a supervisor on every master; `web-1-a3f9:supervisor-1` one master's. */
function matches(target: string, master: string, supervisor: string): boolean {
  return target === supervisor || target === `${master}:${supervisor}`;
}
