export default async function globalTeardown(): Promise<void> {
  const redis = globalThis.__NESTJS_QUEUE_TEST_REDIS__;
  if (redis) await redis.stop();
}
