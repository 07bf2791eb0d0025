import type { Provider } from '@nestjs/common';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QueueConfigError } from '../errors';
import { RedisConnections } from '../redis/redis-connections';
import { BatchRepository } from './batch-repository.token';
import type { BatchRepository as Contract } from './batch-repository.interface';
import { RedisBatchRepository } from './redis-batch.repository';
import { DatabaseBatchRepository } from './database-batch.repository';

export function createBatchRepository(config: ResolvedQueueConfig, connections: RedisConnections): Contract {
  const batching = config.batching;
  if (batching.driver === 'redis') return new RedisBatchRepository(connections.get(batching.server), config.prefix);
  const database = config.databases[batching.database];
  if (!database) throw new QueueConfigError('batching.database', `no database named "${batching.database}" is defined under "databases"`);
  return new DatabaseBatchRepository({ ...database }, batching.table);
}

export const batchProviders: Provider[] = [
  { provide: BatchRepository, useFactory: createBatchRepository, inject: [QUEUE_CONFIG, RedisConnections] },
];
export const batchExports = [BatchRepository];
