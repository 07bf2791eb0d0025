import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';

/** URL of the Redis the suite may use: the private one global-setup started, or TEST_REDIS_URL. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest (npm test), whose global setup starts Redis.');
  return url;
}

/** A key prefix no other test uses, so tests never touch data they did not create. */
export function uniquePrefix(label = 't'): string {
  return `nq-test:${label}:${randomBytes(4).toString('hex')}:`;
}

/** A plain client on the test Redis, for inspecting keys. Close it in afterAll. */
export function inspectRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
}

/** Deletes every key under a prefix this test created. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns true, or fails after `timeoutMs` with `what` in the message. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(10);
  }
}
