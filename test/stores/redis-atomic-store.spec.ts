import { testRedisUrl } from '../support/test-redis';
import { describeAtomicStoreContract } from './atomic-store.contract';

describeAtomicStoreContract('Redis', async () => ({ kind: 'redis', url: testRedisUrl() }), async () => undefined);
