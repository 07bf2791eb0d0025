import { join } from 'node:path';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import knex, { Knex } from 'knex';
import type { JobPayload } from '../../../lib';
import { queueKeys } from '../../../lib/drivers/redis/queue-keys';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';

export interface WaitingJob {
  queue: string;
  id: string;
  job: string;
  /** Reservations so far. */
  attempts: number;
  /** Seconds until it may run again. */
  availableIn: number;
  data: unknown;
}

/**
 * Reads the delayed jobs of the sample's queues — what Horizon's "pending jobs" page shows. Read only. On Redis, from
 * the layout SEMANTICS.md documents (`{prefix}queues:<queue>:delayed`, scored by the epoch second the job becomes
 * available); on SQLite, from the `jobs` table (rows not reserved whose `available_at`, epoch ms, is still to come).
 */
@Injectable()
export class QueueInspector implements OnApplicationShutdown {
  private readonly redis: Redis | null = null;
  private readonly db: Knex | null = null;
  private readonly prefix: string;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    if (settings.queueDriver === 'database') {
      this.db = knex({ client: 'better-sqlite3', connection: { filename: join(settings.storageDir, 'queue.sqlite') }, useNullAsDefault: true });
    } else {
      this.redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 });
    }
    this.prefix = settings.redisPrefix;
  }

  async delayed(queues: readonly string[]): Promise<WaitingJob[]> {
    const out = this.db ? await this.delayedRows(this.db, queues) : await this.delayedInRedis(this.redis as Redis, queues);
    return out.sort((a, b) => a.availableIn - b.availableIn);
  }

  private async delayedInRedis(redis: Redis, queues: readonly string[]): Promise<WaitingJob[]> {
    const [seconds, micros] = await redis.time();
    const now = Number(seconds) + Number(micros) / 1e6;
    const out: WaitingJob[] = [];
    for (const queue of queues) {
      const entries = await redis.zrange(queueKeys(this.prefix, queue).delayed, '0', '-1', 'WITHSCORES');
      for (let i = 0; i < entries.length; i += 2) {
        const payload = JSON.parse(entries[i]) as JobPayload;
        out.push({ queue, id: payload.uuid, job: payload.job, attempts: payload.attempts, availableIn: Math.max(0, Number(entries[i + 1]) - now), data: payload.data });
      }
    }
    return out;
  }

  private async delayedRows(db: Knex, queues: readonly string[]): Promise<WaitingJob[]> {
    if (!(await db.schema.hasTable('jobs'))) return [];
    const now = Date.now();
    const rows = (await db('jobs')
      .whereIn('queue', [...queues])
      .whereNull('reserved_at')
      .where('available_at', '>', now)
      .select('queue', 'payload', 'attempts', 'available_at')) as { queue: string; payload: string; attempts: number; available_at: number }[];
    return rows.map((row) => {
      const payload = JSON.parse(row.payload) as JobPayload;
      return { queue: row.queue, id: payload.uuid, job: payload.job, attempts: Number(row.attempts), availableIn: (Number(row.available_at) - now) / 1000, data: payload.data };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await this.redis.quit();
    if (this.db) await this.db.destroy();
  }
}
