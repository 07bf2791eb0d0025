import Redis from 'ioredis';
import type { DatabaseOptions } from '../../../lib/config/queue-options.interface';
import type { AtomicStore } from '../../../lib/stores/atomic-store.interface';
import { KnexAtomicStore } from '../../../lib/stores/knex-atomic.store';
import { RedisAtomicStore } from '../../../lib/stores/redis-atomic.store';

/** How a process (the test's, or a forked contender's) opens the store under test. */
export type StoreSpec = { kind: 'redis'; url: string } | { kind: 'database'; name: string; config: DatabaseOptions };

/** Opens the store `spec` describes; `close()` also ends the Redis client it opened. */
export function openStore(spec: StoreSpec): AtomicStore {
  if (spec.kind === 'database') return new KnexAtomicStore({ name: spec.name, config: spec.config });
  const client = new Redis(spec.url, { maxRetriesPerRequest: 1 });
  const store = new RedisAtomicStore(() => client, 'test Redis');
  return Object.assign(Object.create(store) as AtomicStore, {
    close: async () => {
      await client.quit();
    },
  });
}
