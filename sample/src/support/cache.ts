import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';

/** Counts a hit unless the counter has reached `max`; the counter expires `ttl` seconds after its last hit. */
const ATTEMPT = `
local sent = tonumber(redis.call('get', KEYS[1]) or '0')
if sent >= tonumber(ARGV[1]) then return 0 end
redis.call('incr', KEYS[1])
redis.call('expire', KEYS[1], ARGV[2])
return 1`;

/** The cache (Laravel's Cache facade with the redis store), under the sample's key prefix. */
@Injectable()
export class Cache implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    this.redis = new Redis(settings.redisUrl, { keyPrefix: `${settings.redisPrefix}cache:`, maxRetriesPerRequest: 2 });
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async forget(key: string): Promise<boolean> {
    return (await this.redis.del(key)) === 1;
  }

  /**
   * The seed's `checkRateLimit()` in one atomic step: if fewer than `max` hits were counted, count this one and
   * (re)start the `ttlSeconds` expiry, and say true; else say false. (Get-then-increment from two workers could let
   * an 11th mail through; a script cannot.)
   */
  async attempt(key: string, max: number, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.eval(ATTEMPT, 1, key, max, ttlSeconds)) === 1;
  }

  /** Seconds until `key` expires; -2 when it does not exist, -1 when it has no expiry. */
  ttl(key: string): Promise<number> {
    return this.redis.ttl(key);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}
