import type { RedisServerOptions, DatabaseOptions, SupervisorOptions } from './queue-options.interface';
import type { ResolvedScheduleEntry } from './schedule-options.interface';

/** The validated, defaulted, frozen configuration every other layer reads. Built only by `resolveQueueConfig`. */
export interface ResolvedRedisConnection {
  name: string;
  driver: 'redis';
  /** Name of the Redis server (a key of `redis`). */
  server: string;
  queue: string;
  retryAfter: number;
  blockFor: number | null;
  afterCommit: boolean;
}

export interface ResolvedSyncConnection {
  name: string;
  driver: 'sync';
  queue: string;
}

export interface ResolvedDatabaseConnection {
  name: string;
  driver: 'database';
  /** Name of the database (a key of `databases`). */
  database: string;
  table: string;
  queue: string;
  retryAfter: number;
  /** As configured; null lets the driver choose (a LISTEN wait on PostgreSQL, polling elsewhere). */
  blockFor: number | null;
  afterCommit: boolean;
}

export type ResolvedConnection = ResolvedRedisConnection | ResolvedSyncConnection | ResolvedDatabaseConnection;

export type ResolvedFailedStore =
  | { driver: 'database'; database: string; table: string }
  | { driver: 'redis'; server: string }
  | { driver: 'null' };

export type ResolvedBatching =
  | { driver: 'redis'; server: string }
  | { driver: 'database'; database: string; table: string };

export interface ResolvedQueueConfig {
  readonly default: string;
  readonly redis: Readonly<Record<string, RedisServerOptions>>;
  readonly connections: Readonly<Record<string, ResolvedConnection>>;
  readonly queues: Readonly<Record<string, string>>;
  readonly failed: ResolvedFailedStore;
  readonly databases: Readonly<Record<string, DatabaseOptions>>;
  readonly batching: ResolvedBatching;
  readonly prefix: string;
  /** Decoded 32-byte keys; the first encrypts, all decrypt. Empty when no key is configured. */
  readonly keys: readonly Buffer[];
  readonly supervisors: Readonly<Record<string, Record<string, SupervisorOptions>>>;
  readonly horizon: ResolvedHorizon;
  readonly maxPayloadBytes: number;
  /** `schedule` entries, validated (jobs named by string are found at start-up). */
  readonly schedule?: readonly ResolvedScheduleEntry[];
}

export interface ResolvedHorizon {
  readonly waits: Readonly<Record<string, number>>;
  readonly trim: { recent: number; pending: number; completed: number; recentFailed: number; failed: number; monitored: number };
  /** Wire names of silenced jobs (classes are turned into their @Job name, else their class name). */
  readonly silenced: readonly string[];
  readonly metrics: { snapshotEvery: number; trimSnapshots: { job: number; queue: number } };
  /** Whether the Redis driver writes job records for the dashboard (default true). */
  readonly records: boolean;
}
