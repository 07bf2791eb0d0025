import type { RedisServerOptions, RedisServerQueueOptions } from '../config/queue-options.interface';
import type { DispatchWriterOptions } from './dispatch-writer';

/** Default `failoverTimeout` where a failover can happen: Redis's default failure detection (15 s) and an election. */
export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = 20;
export const DEFAULT_REPLICAS_TIMEOUT_SECONDS = 1;

const QUEUE_OPTION_KEYS: readonly (keyof RedisServerQueueOptions)[] = ['failoverTimeout', 'replicas', 'replicasTimeout'];

/** A cluster, or a Sentinel set-up: a server whose master can be replaced while clients stay connected. */
export function canFailOver(options: RedisServerOptions): boolean {
  return 'cluster' in options || (Array.isArray((options as { sentinels?: unknown }).sentinels) && 'name' in options);
}

/** The server's queue options with their defaults. */
export function queueServerOptions(server: string, options: RedisServerOptions): DispatchWriterOptions {
  return {
    server,
    failoverTimeout: options.failoverTimeout ?? (canFailOver(options) ? DEFAULT_FAILOVER_TIMEOUT_SECONDS : 0),
    replicas: options.replicas ?? 0,
    replicasTimeout: options.replicasTimeout ?? DEFAULT_REPLICAS_TIMEOUT_SECONDS,
  };
}

/** The entry without nestjs-queue's own keys, for ioredis. */
export function withoutQueueOptions(options: RedisServerOptions): RedisServerOptions {
  if (!QUEUE_OPTION_KEYS.some((key) => key in options)) return options;
  const out: Record<string, unknown> = { ...options };
  for (const key of QUEUE_OPTION_KEYS) delete out[key];
  return out as RedisServerOptions;
}
