import { Inject, Injectable } from '@nestjs/common';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { NoAtomicStoreError, QueueConfigError, UnknownConnectionError } from '../errors';
import { RedisConnections } from '../redis/redis-connections';
import type { AtomicStore } from './atomic-store.interface';
import { KnexAtomicStore } from './knex-atomic.store';
import { RedisAtomicStore } from './redis-atomic.store';

/** Where a connection keeps its locks, counters and signals. */
export type StoreTarget = { kind: 'redis'; server: string } | { kind: 'database'; database: string };

/**
 * The atomic stores of the app, one per Redis server and one per database, made on first use: a job's connection
 * decides which (a redis connection: its server; a database connection: its database). Making a store opens
 * nothing; its first command does. So an app whose jobs all run on database connections never dials Redis.
 */
@Injectable()
export class AtomicStores {
  private readonly redisStores = new Map<string, RedisAtomicStore>();
  private readonly databaseStores = new Map<string, KnexAtomicStore>();

  constructor(
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
    private readonly redis: RedisConnections,
  ) {}

  /** The store of the connection `name` (the default connection without one). */
  forConnection(name: string = this.config.default): AtomicStore {
    const target = this.targetOf(name);
    return target.kind === 'redis' ? this.forRedis(target.server) : this.forDatabase(target.database);
  }

  /** Where the connection `name` keeps its state; a sync connection borrows the default's, or the app's first. */
  targetOf(name: string): StoreTarget {
    const own = this.ownTarget(name);
    if (own) return own;
    const fallback = this.ownTarget(this.config.default);
    if (fallback) return fallback;
    const server = Object.keys(this.config.redis)[0];
    if (server) return { kind: 'redis', server };
    for (const other of Object.keys(this.config.connections)) {
      const target = this.ownTarget(other);
      if (target) return target;
    }
    throw new NoAtomicStoreError(name);
  }

  forRedis(server: string): RedisAtomicStore {
    let store = this.redisStores.get(server);
    if (!store) {
      store = new RedisAtomicStore(() => this.redis.get(server), `Redis server ${server}`);
      this.redisStores.set(server, store);
    }
    return store;
  }

  forDatabase(name: string): KnexAtomicStore {
    let store = this.databaseStores.get(name);
    if (!store) {
      const config = this.config.databases[name];
      if (!config) throw new QueueConfigError(`databases.${name}`, `no database named "${name}" is defined under "databases"`);
      store = new KnexAtomicStore({ name, config });
      this.databaseStores.set(name, store);
    }
    return store;
  }

  /** Closes the database stores' pools (Redis clients are closed with RedisConnections). */
  async closeAll(): Promise<void> {
    const stores = [...this.databaseStores.values()];
    this.databaseStores.clear();
    await Promise.all(stores.map((store) => store.close()));
  }

  private ownTarget(name: string): StoreTarget | null {
    const settings = this.config.connections[name] as { driver: string; server?: string; database?: string; connection?: string } | undefined;
    if (!settings) throw new UnknownConnectionError(name, Object.keys(this.config.connections));
    if (settings.driver === 'redis' && settings.server) return { kind: 'redis', server: settings.server };
    if (settings.driver === 'database') {
      const database = databaseOf(settings);
      if (database) return { kind: 'database', database };
    }
    return null;
  }
}

/** The database a resolved `database` connection uses (an entry of `databases`). */
function databaseOf(settings: { database?: string; connection?: string }): string | undefined {
  return settings.database ?? settings.connection;
}
