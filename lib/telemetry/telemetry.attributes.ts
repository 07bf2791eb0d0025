/**
 * Attribute names, after OpenTelemetry's messaging semantic conventions (`messaging.*`, `error.type`); what the
 * conventions have no name for is under `messaging.nestjs_queue.*`, as they ask of system-specific attributes.
 */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  errorType: 'error.type',
  jobName: 'messaging.nestjs_queue.job.name',
  connection: 'messaging.nestjs_queue.connection',
  attempt: 'messaging.nestjs_queue.job.attempt',
  maxTries: 'messaging.nestjs_queue.job.max_tries',
  outcome: 'messaging.nestjs_queue.job.outcome',
  releaseDelay: 'messaging.nestjs_queue.job.release_delay',
  delay: 'messaging.nestjs_queue.job.delay',
  batchId: 'messaging.nestjs_queue.batch.id',
  batchCallback: 'messaging.nestjs_queue.batch.callback',
  chainLength: 'messaging.nestjs_queue.chain.length',
  uniqueLockHeld: 'messaging.nestjs_queue.unique_lock_held',
  queueState: 'messaging.nestjs_queue.queue.state',
  link: 'messaging.nestjs_queue.link',
} as const;

/** `messaging.system` of every span and metric. */
export const MESSAGING_SYSTEM = 'nestjs-queue';

/** The instrumentation scope spans and metrics are recorded under. */
export const INSTRUMENTATION_NAME = 'nestjs-queue';

/** How one attempt of a job ended. */
export type AttemptOutcome = 'succeeded' | 'released' | 'failed' | 'timed_out' | 'deleted';
