import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { MissingPeerDependencyError, QueueConfigError } from '../errors';
import type { RedisConnections } from '../redis/redis-connections';
import { DatabaseFailedJobStore } from './database-failed-job.store';
import type { FailedJobStore } from './failed-job-store.interface';
import { NullFailedJobStore } from './null-failed-job.store';
import { RedisFailedJobStore } from './redis-failed-job.store';

const REDIS_INSTEAD =
  "(or keep failed jobs in Redis, which needs no package: QueueModule.forRoot({ failed: { driver: 'redis' } }))";

/** The failed-job store `config.failed` asks for. The redis store borrows its client from `connections`. */
export function createFailedJobStore(config: ResolvedQueueConfig, connections: RedisConnections): FailedJobStore {
  const failed = config.failed;
  switch (failed.driver) {
    case 'database': {
      const database = config.databases[failed.database];
      if (!database) {
        throw new QueueConfigError(
          'failed.database',
          `no database named "${failed.database}" is defined under "databases"; ` +
            `add its knex configuration there or point failed.database at one that is`,
        );
      }
      try {
        return new DatabaseFailedJobStore(database, failed.table);
      } catch (error) {
        if (!(error instanceof MissingPeerDependencyError)) throw error;
        throw new MissingPeerDependencyError(error.packages, error.feature, REDIS_INSTEAD);
      }
    }
    case 'redis':
      return new RedisFailedJobStore(connections.get(failed.server), config.prefix);
    case 'null':
      return new NullFailedJobStore();
  }
}
