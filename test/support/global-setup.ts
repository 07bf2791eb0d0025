import { startRedisServer, OwnedRedis } from './redis-server';

declare global {
  // eslint-disable-next-line no-var
  var __NESTJS_QUEUE_TEST_REDIS__: OwnedRedis | undefined;
}

/** Starts a private redis-server for the whole suite unless TEST_REDIS_URL names one to use. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_REDIS_URL) return;
  const redis = await startRedisServer();
  globalThis.__NESTJS_QUEUE_TEST_REDIS__ = redis;
  process.env.TEST_REDIS_URL = redis.url;
  process.env.NESTJS_QUEUE_TEST_OWNS_REDIS = '1';
}
