import type { RedisClient } from '../../redis/redis-connections';
import { JobRecordKeys, jobRecordKeys, parseRecordedQueue, recordedQueuesKey } from '../../drivers/redis/job-record-keys';
import { queueKeys, QueueKeys } from '../../drivers/redis/queue-keys';

/** One queue with records on one Redis server: its records' keys and the queue's own. */
export interface RecordedQueue {
  client: RedisClient;
  connection: string;
  queue: string;
  keys: JobRecordKeys;
  queueKeys: QueueKeys;
}

/** The queues with records on every server (one SMEMBERS per server), in a stable order. */
export async function recordedQueues(servers: readonly RedisClient[], prefix: string): Promise<RecordedQueue[]> {
  const lists = await Promise.all(servers.map((c) => c.smembers(recordedQueuesKey(prefix))));
  const out: RecordedQueue[] = [];
  const seen = new Set<string>();
  lists.forEach((members, i) => {
    for (const member of members.sort()) {
      const parsed = parseRecordedQueue(member);
      if (!parsed) continue;
      // Two connections on one server share a queue's keys: read them once.
      const id = `${i}\u0000${parsed.queue}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        client: servers[i], connection: parsed.connection, queue: parsed.queue,
        keys: jobRecordKeys(prefix, parsed.queue), queueKeys: queueKeys(prefix, parsed.queue),
      });
    }
  });
  return out;
}
