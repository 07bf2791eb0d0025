import type { RedisOptions, ClusterNode, ClusterOptions } from 'ioredis';
import type { ModuleMetadata, Type, InjectionToken, OptionalFactoryDependency } from '@nestjs/common';
import type { ScheduleEntry } from './schedule-options.interface';

/** What nestjs-queue reads from a Redis server entry besides ioredis's own options (never passed to ioredis). */
export interface RedisServerQueueOptions {
  /**
   * Seconds a dispatch keeps retrying while a failover is in progress (a cluster slot or the Sentinel primary has
   * no master), before it rejects with a FailoverInProgressError. Default 20 for a cluster or Sentinel set-up
   * (Redis's default failure detection takes 15 s), 0 for a single server.
   */
  failoverTimeout?: number;
  /** Durable dispatch: a dispatch resolves only once this many replicas hold the job (Redis WAIT). Default 0. */
  replicas?: number;
  /** Seconds a durable dispatch waits for its replicas before it rejects with a ReplicationTimeoutError. Default 1. */
  replicasTimeout?: number;
}

/** One named Redis server, as config/database.php's 'redis' entries: a URL, ioredis options, or a cluster. */
export type RedisServerOptions =
  | ({ url: string } & RedisOptions & RedisServerQueueOptions)
  | (RedisOptions & RedisServerQueueOptions)
  | ({ cluster: ClusterNode[]; options?: ClusterOptions } & RedisServerQueueOptions);

export interface RedisConnectionOptions {
  driver: 'redis';
  /** Name of a server under `redis`. Default 'default' if one server is defined with that name, else the first. */
  connection?: string;
  /** The default queue of this connection. */
  queue?: string;
  /** Seconds a reserved job may stay unacknowledged before it is handed out again. */
  retryAfter?: number;
  /** Seconds a pop waits inside Redis on an empty queue; null = do not block. */
  blockFor?: number | null;
  /** Hold dispatches until the surrounding transaction commits (see PendingDispatch.afterCommit()); beforeCommit() sends one at once. */
  afterCommit?: boolean;
}

export interface SyncConnectionOptions {
  driver: 'sync';
}

/** Laravel's database queue: jobs in a table of one of `databases` (SQLite, PostgreSQL, MySQL 8 / MariaDB 10.6+). */
export interface DatabaseConnectionOptions {
  driver: 'database';
  /** Name of a database under `databases`. Default 'sqlite' (the embedded file). */
  connection?: string;
  /** The jobs table. Default 'jobs' (created on first use, or by `nestjs-queue jobs:table`). */
  table?: string;
  /** The default queue of this connection. Default 'default'. */
  queue?: string;
  /** Seconds a reserved job may stay unacknowledged before it is handed out again. Default 90. */
  retryAfter?: number;
  /**
   * Seconds an idle worker waits for a job before it looks again; null = sleep `sleep` seconds between polls.
   * Default: 3 on PostgreSQL (the wait ends at once on a push: LISTEN/NOTIFY), null on SQLite and MySQL.
   */
  blockFor?: number | null;
  /** Hold dispatches until the surrounding transaction commits (see PendingDispatch.afterCommit()); beforeCommit() sends one at once. */
  afterCommit?: boolean;
}

export type ConnectionOptions = RedisConnectionOptions | SyncConnectionOptions | DatabaseConnectionOptions;

/** A knex configuration, referenced by name from `failed.database` and `batching.database`. */
export interface DatabaseOptions {
  client: 'better-sqlite3' | 'sqlite3' | 'pg' | 'mysql2' | 'mysql' | string;
  connection: string | Record<string, unknown>;
  pool?: { min?: number; max?: number };
  useNullAsDefault?: boolean;
  [key: string]: unknown;
}

export type FailedStoreOptions =
  | { driver: 'database'; database?: string; table?: string }
  | { driver: 'redis'; connection?: string }
  | { driver: 'null' };

export type BatchingOptions =
  | { driver: 'redis'; connection?: string }
  | { driver: 'database'; database?: string; table?: string };

export interface SupervisorOptions {
  connection?: string;
  queue: string[] | string;
  balance?: 'auto' | 'simple' | false;
  autoScalingStrategy?: 'time' | 'size';
  processes?: number;
  maxProcesses?: number;
  minProcesses?: number;
  balanceMaxShift?: number;
  balanceCooldown?: number;
  memory?: number;
  tries?: number;
  timeout?: number;
  sleep?: number;
  backoff?: number | number[];
  maxJobs?: number;
  maxTime?: number;
  rest?: number;
  nice?: number;
  concurrency?: number;
  /** Seconds a worker's pop waits inside Redis on empty queues (the connection's `blockFor` otherwise); 0 = do not block. */
  block?: number;
  /** Horizon's `force` (run in maintenance mode). Accepted for config compatibility: there is no maintenance mode, workers always run. */
  force?: boolean;
}

/** Horizon's settings beside its environments (config/horizon.php). */
export interface HorizonOptions {
  /** Seconds of wait per `connection:queue` that raise LongWaitDetected, e.g. { 'redis:default': 60 }. */
  waits?: Record<string, number>;
  /** Minutes job records are kept (for the dashboard). */
  trim?: { recent?: number; pending?: number; completed?: number; recentFailed?: number; failed?: number; monitored?: number };
  /** Job classes (or wire names) left out of the completed list. */
  silenced?: (string | (abstract new (...args: never[]) => unknown))[];
  metrics?: {
    /** Seconds between metrics snapshots taken by the master. Default 300. */
    snapshotEvery?: number;
    /** Snapshots kept per job and per queue. Default 24 each. */
    trimSnapshots?: { job?: number; queue?: number };
  };
  /** Write job records for the dashboard (pending, completed, silenced, failed, monitored tags). Default true. */
  records?: boolean;
}

/** What `QueueModule.forRoot()` accepts: Laravel's config/queue.php in camelCase. Every key is optional. */
export interface QueueModuleOptions {
  default?: string;
  redis?: Record<string, RedisServerOptions>;
  connections?: Record<string, ConnectionOptions>;
  /** Named queue lists, e.g. { priority: 'critical,high,default,low' }. */
  queues?: Record<string, string>;
  failed?: FailedStoreOptions;
  databases?: Record<string, DatabaseOptions>;
  batching?: BatchingOptions;
  /** Prefix for every Redis key, so apps can share one Redis. Default 'queue:'... see README. */
  prefix?: string;
  /** 32-byte key for encrypted jobs: 'base64:...' or 64 hex digits. */
  key?: string;
  previousKeys?: string[];
  supervisors?: Record<string, Record<string, SupervisorOptions>>;
  /** Horizon's waits, trim, silenced and metrics settings. */
  horizon?: HorizonOptions;
  /** Largest payload accepted at dispatch, in bytes. Default 512 KiB. */
  maxPayloadBytes?: number;
  /** Queued jobs on a cron, read from configuration (the `@Scheduled` decorator's programmatic form). */
  schedule?: ScheduleEntry[];
}

export interface QueueOptionsFactory {
  createQueueOptions(): Promise<QueueModuleOptions> | QueueModuleOptions;
}

export interface QueueModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory?: (...args: never[]) => Promise<QueueModuleOptions> | QueueModuleOptions;
  useClass?: Type<QueueOptionsFactory>;
  useExisting?: Type<QueueOptionsFactory>;
}
