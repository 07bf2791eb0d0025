import { Inject, Injectable } from '@nestjs/common';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig, ResolvedConnection } from '../config/resolved-config.interface';
import { UnknownConnectionError } from '../errors';
import { RedisConnections } from '../redis/redis-connections';
import type { QueueDriver } from './queue-driver.interface';
import { RedisQueueDriver } from './redis/redis-queue.driver';
import { SyncExecutor, SyncQueueDriver } from './sync/sync-queue.driver';

/** Hands out one driver per configured connection, made on first use (Laravel's QueueManager). */
@Injectable()
export class QueueManager {
  private readonly drivers = new Map<string, QueueDriver>();
  private syncExecutor: SyncExecutor | null = null;

  constructor(
    @Inject(QUEUE_CONFIG) readonly config: ResolvedQueueConfig,
    readonly redis: RedisConnections,
  ) {}

  /** The connection's settings; the default connection without a name. */
  settings(name?: string): ResolvedConnection {
    const key = name ?? this.config.default;
    const settings = this.config.connections[key];
    if (!settings) throw new UnknownConnectionError(key, Object.keys(this.config.connections));
    return settings;
  }

  /** The shared driver of a connection (for sending); the default connection without a name. */
  connection(name?: string): QueueDriver {
    const settings = this.settings(name);
    let driver = this.drivers.get(settings.name);
    if (!driver) {
      driver = this.createDriver(settings.name);
      this.drivers.set(settings.name, driver);
    }
    return driver;
  }

  /** A driver of its own (a worker's: its blocking client is not shared). The caller closes it. */
  createDriver(name?: string, overrides: { blockFor?: number | null } = {}): QueueDriver {
    const settings = this.settings(name);
    return settings.driver === 'sync'
          ? new SyncQueueDriver(settings.name, () => {
              if (!this.syncExecutor) throw new Error('The sync queue driver has no job runner: is QueueModule imported?');
              return this.syncExecutor;
            })
          : new RedisQueueDriver(this.redis, {
              connectionName: settings.name,
              server: settings.server,
              prefix: this.config.prefix,
              retryAfter: settings.retryAfter,
              blockFor: overrides.blockFor !== undefined ? overrides.blockFor : settings.blockFor,
            });
  }

  /** The worker layer registers how the sync driver runs a job. */
  setSyncExecutor(executor: SyncExecutor): void {
    this.syncExecutor = executor;
  }

  /** Closes drivers (blocking clients); the shared Redis clients are closed by the module. */
  async close(): Promise<void> {
    const drivers = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.all(drivers.map((d) => d.close()));
  }
}
