import { queueKeys } from '../../../lib/drivers/redis/queue-keys';
import type { OwnedRedisCluster } from '../../support/redis-cluster';

/**
 * `count` queue names whose keys (under `prefix`, hash-tagged per queue) are served by `count` different masters.
 * The hash tag is the queue name, so the prefix does not move a queue.
 */
export async function queuesOnDistinctMasters(cluster: OwnedRedisCluster, prefix: string, count: number, stem = 'q'): Promise<string[]> {
  const picked = new Map<number, string>();
  for (let i = 0; picked.size < count && i < 1000; i++) {
    const name = `${stem}-${i}`;
    const master = await cluster.masterPortOf(queueKeys(prefix, name, true).ready);
    if (!picked.has(master)) picked.set(master, name);
  }
  if (picked.size < count) throw new Error(`could not find ${count} queues on distinct masters`);
  return [...picked.values()];
}
