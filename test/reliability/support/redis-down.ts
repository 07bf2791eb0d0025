import type { OwnedRedis } from '../../support/redis-server';

/**
 * Stops a test-owned Redis (SIGTERM: with appendonly on it writes its append-only file first) and leaves it down;
 * `redis.restart()` starts it again on the same port with the same directory.
 */
export async function takeDown(redis: OwnedRedis): Promise<void> {
  const child = redis.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
