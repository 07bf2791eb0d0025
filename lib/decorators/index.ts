export * from './job.decorator';
export * from './job-options.interface';
export * from './on-queue.decorator';
export * from './middleware.decorator';
export * from './on-failed.decorator';
export * from './on-queue-event.decorator';
export * from './scheduled.decorator';
