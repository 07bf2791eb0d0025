import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
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
 * Reads the delayed jobs of the sample's queues, from the Redis layout SEMANTICS.md documents
 * (`{prefix}queues:<queue>:delayed`, scored by the epoch second the job becomes available) — what Horizon's
 * "pending jobs" page shows. Read only.
 */
@Injectable()
export class QueueInspector implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    this.redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 });
    this.prefix = settings.redisPrefix;
  }

  async delayed(queues: readonly string[]): Promise<WaitingJob[]> {
    const [seconds, micros] = await this.redis.time();
    const now = Number(seconds) + Number(micros) / 1e6;
    const out: WaitingJob[] = [];
    for (const queue of queues) {
      const entries = await this.redis.zrange(queueKeys(this.prefix, queue).delayed, '0', '-1', 'WITHSCORES');
      for (let i = 0; i < entries.length; i += 2) {
        const payload = JSON.parse(entries[i]) as JobPayload;
        out.push({
          queue,
          id: payload.uuid,
          job: payload.job,
          attempts: payload.attempts,
          availableIn: Math.max(0, Number(entries[i + 1]) - now),
          data: payload.data,
        });
      }
    }
    return out.sort((a, b) => a.availableIn - b.availableIn);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}
