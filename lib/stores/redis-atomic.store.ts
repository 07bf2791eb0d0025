import type { RedisClient } from '../redis/redis-connections';
import type { AtomicStore, WindowAcquireResult, WindowCheckResult } from './atomic-store.interface';
import { runScript } from './redis-scripts';

/**
 * The atomic store on a Redis server: one command or one Lua script per call (SET NX for locks, the duration
 * limiter scripts for windows, INCR + EXPIRE in one MULTI for counters). The client is asked for on first use, so
 * making the store opens no connection.
 */
export class RedisAtomicStore implements AtomicStore {
  private client?: RedisClient;

  constructor(
    private readonly connect: () => RedisClient,
    readonly description: string,
  ) {}

  private get redis(): RedisClient {
    this.client ??= this.connect();
    return this.client;
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const taken = ttlMs > 0 ? await this.redis.set(key, owner, 'PX', Math.ceil(ttlMs), 'NX') : await this.redis.set(key, owner, 'NX');
    return taken === 'OK';
  }

  async releaseLock(key: string, owner: string): Promise<boolean> {
    return Number(await runScript(this.redis, 'lockRelease', [key], [owner])) === 1;
  }

  async windowAcquire(key: string, maxLocks: number, decaySeconds: number): Promise<WindowAcquireResult> {
    const [acquired, decaysAt, remaining, now] = numbers(await runScript(this.redis, 'durationAcquire', [key], [decaySeconds, maxLocks]), 4);
    return { acquired: acquired === 1, decaysAt, remaining: Math.max(0, remaining), now };
  }

  async windowTooMany(key: string, maxLocks: number, decaySeconds: number): Promise<WindowCheckResult> {
    const [tooMany, decaysAt, now] = numbers(await runScript(this.redis, 'durationTooMany', [key], [decaySeconds, maxLocks]), 3);
    return { tooManyAttempts: tooMany === 1, decaysAt, now };
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const result = await this.redis.multi().incr(key).expire(key, Math.max(1, Math.ceil(ttlSeconds))).exec();
    const [error, count] = result?.[0] ?? [new Error(`INCR ${key} returned no reply`), 0];
    if (error) throw error;
    return Number(count);
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  /** One GET per key, sent together (auto-pipelined; keys of different cluster slots are fine). */
  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((key) => this.redis.get(key)));
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds === undefined) await this.redis.set(key, value);
    else await this.redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async close(): Promise<void> {
    // The client belongs to RedisConnections, which closes it.
  }
}

function numbers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length) {
    throw new Error(`Unexpected reply from the rate limiter script: ${JSON.stringify(reply)}`);
  }
  return reply.map((value) => Number(value));
}
