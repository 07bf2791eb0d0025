import type { INestApplicationContext, Provider } from '@nestjs/common';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QUEUE_CONFIG } from '../queue.constants';
import { RedisConnections } from '../redis/redis-connections';
import { JOB_RECORDS_READER } from './dashboard.constants';
import { JobRecordsRepository } from './job-records.repository';

/**
 * The job records the dashboard reads: those the Redis driver's scripts write, on the app's own Redis servers.
 * Built from QueueModule's providers once they exist (injected, so Nest creates them first).
 */
export const jobRecordsProvider: Provider = {
  provide: JOB_RECORDS_READER,
  useFactory: (config: ResolvedQueueConfig, connections: RedisConnections) => {
    const providers = new Map<unknown, unknown>([
      [QUEUE_CONFIG, config],
      [RedisConnections, connections],
    ]);
    const app = { get: (token: unknown) => providers.get(token) } as Pick<INestApplicationContext, 'get'>;
    return JobRecordsRepository.of(app);
  },
  inject: [QUEUE_CONFIG, RedisConnections],
};
