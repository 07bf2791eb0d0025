export * from './queue.error';
export * from './config.errors';
export * from './dispatch.errors';
export * from './job.errors';
export * from './store.errors';
export * from './batch.errors';
export * from './failover.errors';
