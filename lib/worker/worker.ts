import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { parseQueueList } from '../config/queue-names';
import { QueueManager } from '../drivers/queue-manager';
import { QueueEvents } from '../events/queue-events.service';
import { QueueConfigError } from '../errors';
import { JobRunner } from './job-runner';
import { WorkerLoop } from './worker-loop';
import { WorkerOptions, WorkerStopReason, WORKER_EXIT_CODES } from './worker-options.interface';
import { restartKey, pausedKey } from './control-keys';
import { RedisQueueDriver } from '../drivers/redis/redis-queue.driver';
import { AtomicStores } from '../stores/atomic-stores';
import { databaseWatchdogTarget, transferableOptions, WatchdogTarget } from './watchdog';
import { DatabaseQueueDriver } from '../drivers/database/database-queue.driver';
import type { QueueDriver } from '../drivers/queue-driver.interface';
import { QueueTelemetry } from '../telemetry/queue-telemetry';

/**
 * Takes jobs from queues and runs them: `php artisan queue:work` as a service. When the application closes
 * (`app.close()`, or Nest's shutdown hooks on a signal), running loops stop gracefully and the jobs in hand finish
 * before the module closes its Redis connections.
 */
@Injectable()
export class Worker implements BeforeApplicationShutdown {
  private readonly logger = new Logger('nestjs-queue:worker');
  /** Running loops, each with the promise of its end. */
  private readonly loops = new Map<WorkerLoop, Promise<unknown>>();

  constructor(
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
    private readonly manager: QueueManager,
    private readonly runner: JobRunner,
    private readonly events: QueueEvents,
    private readonly telemetry: QueueTelemetry,
    private readonly stores: AtomicStores,
  ) {}

  /** Runs until a stop condition; resolves with the reason it stopped. */
  async run(options: WorkerOptions = {}): Promise<WorkerStopReason> {
    const settings = this.manager.settings(options.connection);
    if (settings.driver === 'sync') {
      throw new QueueConfigError(`connections.${settings.name}`, 'the sync connection runs jobs at dispatch; there is nothing to work. Pick a redis or database connection.');
    }
    // The connection's own queue is one queue, as in Laravel; only --queue may name a list.
    const queues = options.queue === undefined ? [settings.queue] : parseQueueList(options.queue, this.config.queues);
    const num = (key: keyof WorkerOptions, value: unknown, fallback: number): number => {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new QueueConfigError(`worker.${key}`, `must be a number of 0 or more, got ${JSON.stringify(value)}`);
      }
      return value;
    };
    const backoff = options.backoff === undefined ? [] : ([] as number[]).concat(options.backoff);
    backoff.forEach((b) => num('backoff', b, 0));
    const concurrency = Math.floor(num('concurrency', options.concurrency, 1));
    if (concurrency < 1) throw new QueueConfigError('worker.concurrency', 'must be 1 or more');
    if (options.blockFor !== undefined && options.blockFor !== null) num('blockFor', options.blockFor, 0);
    this.telemetry.serving(settings.name, queues);
    const driver = this.manager.createDriver(settings.name, options.blockFor === undefined ? {} : { blockFor: options.blockFor });
    const loop = new WorkerLoop(driver, this.runner, this.events, this.stores.forConnection(settings.name), {
      connection: settings.name,
      queues,
      concurrency,
      sleep: num('sleep', options.sleep, 3),
      maxJobs: num('maxJobs', options.maxJobs, 0),
      maxTime: num('maxTime', options.maxTime, 0),
      memory: num('memory', options.memory, 128),
      rest: num('rest', options.rest, 0),
      once: options.once ?? false,
      stopWhenEmpty: options.stopWhenEmpty ?? false,
      defaults: {
        tries: num('tries', options.tries, 1),
        timeout: num('timeout', options.timeout, 60),
        backoff,
        timeoutGrace: num('timeoutGrace', options.timeoutGrace, 2),
      },
      restartKey: restartKey(this.config.prefix),
      pausedKey: (queue) => pausedKey(this.config.prefix, settings.name, queue),
      watchdog:
        settings.driver === 'redis'
          ? this.watchdogTarget(settings.server, driver)
          : driver instanceof DatabaseQueueDriver ? databaseWatchdogTarget(driver, WORKER_EXIT_CODES.timeout) : null,
    });
    const detach = options.handleSignals ? this.handleSignals(loop) : () => undefined;
    const running = loop.run();
    this.loops.set(loop, running.catch(() => undefined));
    try {
      return await running;
    } finally {
      detach();
      this.loops.delete(loop);
    }
  }

  /**
   * Asks every running loop of this worker to stop gracefully: jobs in hand finish, no new job is taken.
   * Resolves once they have all stopped.
   */
  async stop(): Promise<void> {
    const running = [...this.loops];
    for (const [loop] of running) loop.stop('stopped');
    await Promise.all(running.map(([, done]) => done));
  }

  /** Nest calls this before any onApplicationShutdown hook, so jobs in hand finish while Redis is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.loops.size === 0) return;
    this.logger.log(`The application is closing: finishing the jobs in hand, then stopping.`);
    await this.stop();
  }

  /** The process exit code for a stop reason (12 for memory, as Laravel). */
  static exitCode(reason: WorkerStopReason): number {
    return WORKER_EXIT_CODES[reason];
  }

  /** The watchdog thread's Redis server and key names, for a Redis connection. */
  private watchdogTarget(server: string, driver: QueueDriver): WatchdogTarget | null {
    if (!(driver instanceof RedisQueueDriver)) return null;
    const options = this.config.redis[server] as Record<string, unknown>;
    const cluster = Array.isArray(options.cluster) ? (options.cluster as unknown[]) : null;
    const clusterOptions = (options.options ?? {}) as { redisOptions?: Record<string, unknown> };
    return {
      server: transferableOptions(cluster ? clusterOptions.redisOptions ?? {} : options),
      cluster,
      reservedKey: (queue) => driver.keys(queue).reserved,
      retryAfter: driver.retryAfter,
      exitCode: WORKER_EXIT_CODES.timeout,
    };
  }

  private handleSignals(loop: WorkerLoop): () => void {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received === 1) {
        this.logger.log(`${signal} received: finishing the jobs in hand, then stopping. Send it again to stop at once.`);
        loop.stop('signal');
      } else {
        this.logger.warn(`${signal} received again: exiting now; jobs in hand return to their queues after retryAfter.`);
        process.exit(1);
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }
}
