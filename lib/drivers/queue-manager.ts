import { Inject, Injectable } from '@nestjs/common';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig, ResolvedConnection } from '../config/resolved-config.interface';
import { UnknownConnectionError } from '../errors';
import { RedisConnections } from '../redis/redis-connections';
import type { QueueDriver } from './queue-driver.interface';
import { RedisQueueDriver } from './redis/redis-queue.driver';
import { recordSettingsOf } from './redis/job-record-keys';
import { SyncExecutor, SyncQueueDriver } from './sync/sync-queue.driver';
import { DatabaseQueueDriver } from './database/database-queue.driver';
import { KnexConnections } from './database/knex-connections';

/** Seconds an idle worker on a PostgreSQL database connection waits on LISTEN when the connection sets no blockFor. */
const PG_DEFAULT_BLOCK_FOR = 3;

/** Hands out one driver per configured connection, made on first use (Laravel's QueueManager). */
@Injectable()
export class QueueManager {
  private readonly drivers = new Map<string, QueueDriver>();
  private syncExecutor: SyncExecutor | null = null;
  private knexConnections: KnexConnections | null = null;

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
    if (settings.driver === 'database') {
      const db = this.databases.get(settings.database);
      const blockFor = overrides.blockFor !== undefined ? overrides.blockFor : settings.blockFor ?? (db.dialect === 'pg' ? PG_DEFAULT_BLOCK_FOR : null);
      return new DatabaseQueueDriver(db, { connectionName: settings.name, table: settings.table, retryAfter: settings.retryAfter, blockFor });
    }
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
              records: recordSettingsOf(this.config.horizon),
            });
  }

  /** The databases of the `database` connections, each opened once (knex) and shared by their drivers; closed in close(). */
  get databases(): KnexConnections {
    return (this.knexConnections ??= new KnexConnections(this.config.databases));
  }

  /** The worker layer registers how the sync driver runs a job. */
  setSyncExecutor(executor: SyncExecutor): void {
    this.syncExecutor = executor;
  }

  /** Closes drivers (blocking clients) and the databases of database connections; the shared Redis clients are closed by the module. */
  async close(): Promise<void> {
    const drivers = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.all(drivers.map((d) => d.close()));
    const databases = this.knexConnections;
    this.knexConnections = null;
    if (databases) await databases.closeAll();
  }
}
