import type { DatabaseOptions } from '../../config/queue-options.interface';
import type { ResolvedQueueConfig } from '../../config/resolved-config.interface';
import type { BatchRepository } from '../../batches/batch-repository.interface';
import { BatchWritesWithin, DatabaseBatchRepository } from '../../batches/database-batch.repository';
import type { HeldTransaction } from './held-transaction';
import { isOnDatabase } from './outbox';

/**
 * The batch half of the outbox: when batches are stored in a database (`batching.driver: 'database'`) and the open
 * transaction is on that database, the batch row and its totals are written by the transaction itself, so the
 * batch exists if and only if the transaction commits (its jobs, on a `database` connection on the same database,
 * are written by it too: see dispatchManyWithin). Null when the batch must be stored by the store's own connection.
 */
export async function batchWritesWithin(
  held: HeldTransaction | null,
  repository: BatchRepository,
  config: Pick<ResolvedQueueConfig, 'batching'> & { databases: Readonly<Record<string, DatabaseOptions>> },
): Promise<BatchWritesWithin | null> {
  const sql = held?.sql;
  if (!sql || config.batching.driver !== 'database' || !(repository instanceof DatabaseBatchRepository)) return null;
  if (!isOnDatabase(sql, config.batching.database, config.databases)) return null;
  return repository.within(sql.execute);
}
