import { join } from 'node:path';
import type { QueueModuleOptions } from '../../../lib';
import type { SampleSettings } from './sample-settings';
import { HORIZON_ENVIRONMENTS } from './horizon.config';
import { DEFAULT_QUEUE, SAMPLE_QUEUE_DRIVER } from './connections';

/**
 * The seed's config/queue.php and "Queue Priorities", in Nest form. The failed-job store is the seed's
 * `database` driver, on SQLite in the sample's storage directory (the seed's default is MySQL).
 */
export function queueConfig(settings: SampleSettings): QueueModuleOptions {
  return SAMPLE_QUEUE_DRIVER === 'database' ? databaseQueueConfig(settings) : redisQueueConfig(settings);
}

/** The sample on SQLite alone: the same connections as database ones, batches and failed jobs in queue.sqlite. */
function databaseQueueConfig(settings: SampleSettings): QueueModuleOptions {
  const redis = redisQueueConfig(settings);
  return {
    default: 'database',
    connections: {
      database: { driver: 'database', connection: 'sqlite', table: 'jobs', queue: 'default', retryAfter: 90 },
      'database-long': { driver: 'database', connection: 'sqlite', table: 'jobs', queue: 'long-running', retryAfter: 300 },
      sync: { driver: 'sync' },
    },
    queues: redis.queues,
    failed: redis.failed,
    databases: redis.databases,
    batching: { driver: 'database', database: 'sqlite', table: 'job_batches' },
    prefix: settings.redisPrefix,
  };
}

function redisQueueConfig(settings: SampleSettings): QueueModuleOptions {
  return {
    default: 'redis',
    redis: {
      queue: { url: settings.redisUrl },
      default: { url: settings.redisUrl },
    },
    connections: {
      redis: { driver: 'redis', connection: 'queue', queue: '{default}', retryAfter: 90, blockFor: null, afterCommit: false },
      'redis-long': { driver: 'redis', connection: 'queue', queue: 'long-running', retryAfter: 300, blockFor: null },
      'redis-priority': { driver: 'redis', connection: 'queue', queue: 'priority', retryAfter: 60, blockFor: null },
      sync: { driver: 'sync' },
    },
    queues: {
      priority: 'critical,high,default,low',
      emails: 'transactional,marketing',
      exports: 'exports',
      imports: 'imports',
    },
    failed: { driver: 'database', database: 'sqlite', table: 'failed_jobs' },
    databases: {
      sqlite: { client: 'better-sqlite3', connection: { filename: join(settings.storageDir, 'queue.sqlite') }, useNullAsDefault: true },
    },
    batching: { driver: 'redis', connection: 'queue' },
    prefix: settings.redisPrefix,
    supervisors: HORIZON_ENVIRONMENTS,
  };
}

/**
 * The queues the sample's workers serve, in priority order. Inside a comma list every name is one queue:
 * `emails` here is the queue SendWelcomeEmail goes to, not the `emails` list above (a single name that matches
 * a list expands to that list, as `--queue=emails` would).
 */
export const WORKER_QUEUES: Readonly<Record<string, string>> =
  SAMPLE_QUEUE_DRIVER === 'database'
    ? { database: `critical,high,emails,transactional-emails,webhooks,${DEFAULT_QUEUE},imports`, 'database-long': 'processing,exports' }
    : { redis: `critical,high,emails,transactional-emails,webhooks,${DEFAULT_QUEUE},imports`, 'redis-long': 'processing,exports' };
