import type { ResolvedQueueConfig } from '../../config/resolved-config.interface';
import type { RedisClient, RedisConnections } from '../../redis/redis-connections';
import type { JobRecord } from '../job-records.interface';
import { findWaiting } from './pending-reader';
import { recordedQueues } from './recorded-queue';

/**
 * A waiting job that has no record (most have none: records are written for jobs that end, carry a monitored tag
 * or are a retry), found in its queue by id for `GET jobs/:id` (see findWaiting for how far it looks).
 */
export class WaitingJobFinder {
  constructor(
    private readonly servers: readonly RedisClient[],
    private readonly prefix: string,
  ) {}

  /** On the Redis servers of the app's redis connections. */
  static of(config: ResolvedQueueConfig, connections: RedisConnections): WaitingJobFinder {
    const servers = new Set<string>();
    for (const c of Object.values(config.connections)) if (c.driver === 'redis') servers.add(c.server);
    return new WaitingJobFinder([...servers].map((s) => connections.get(s)), config.prefix);
  }

  async find(id: string): Promise<JobRecord | null> {
    return findWaiting(await recordedQueues(this.servers, this.prefix), id);
  }
}
