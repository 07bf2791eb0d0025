export const QUEUE_CONFIG = Symbol.for('nestjs-queue:config');
export const QUEUE_MODULE_OPTIONS = Symbol.for('nestjs-queue:module-options');
export const FAILED_JOB_STORE = Symbol.for('nestjs-queue:failed-job-store');
export const BATCH_REPOSITORY_TOKEN = Symbol.for('nestjs-queue:batch-repository');

export const JOB_METADATA = 'nestjs-queue:job';
export const ON_QUEUE_METADATA = 'nestjs-queue:on-queue';
export const MIDDLEWARE_METADATA = 'nestjs-queue:middleware';
export const ON_FAILED_METADATA = 'nestjs-queue:on-failed';
export const ON_QUEUE_EVENT_METADATA = 'nestjs-queue:on-queue-event';
