import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { FAILED_JOB_STORE } from './queue.constants';
import { QueueManager } from './drivers/queue-manager';
import { RedisConnections } from './redis/redis-connections';
import { AtomicStores } from './stores/atomic-stores';
import { BatchRepository } from './batches/batch-repository.token';
import type { FailedJobStore } from './failed/failed-job-store.interface';
import { Worker } from './worker/worker';

/** Closes what the module opened when the application closes: workers stop, then drivers, stores, Redis. */
@Injectable()
export class QueueLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly manager: QueueManager,
    private readonly connections: RedisConnections,
    private readonly worker: Worker,
    @Inject(FAILED_JOB_STORE) private readonly failedStore: FailedJobStore,
    private readonly stores: AtomicStores,
    private readonly batches: BatchRepository,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    await this.manager.close();
    await this.failedStore.close();
    await this.stores.closeAll();
    // A database batch store holds a pool of its own (a Redis one borrows the shared client and closes nothing).
    await this.batches.close();
    await this.connections.closeAll();
  }
}
