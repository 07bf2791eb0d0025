import { QueueError } from './queue.error';

/** The job was attempted too many times, or its retryUntil passed. The handler is not called. */
export class MaxAttemptsExceededError extends QueueError {
  constructor(jobName: string, reason: 'tries' | 'retryUntil' | 'timeout') {
    super(
      reason === 'retryUntil'
        ? `${jobName} has been attempted too many times: its retryUntil time has passed.`
        : reason === 'timeout'
          ? `${jobName} has been attempted too many times or ran too long. The job may have previously timed out.`
          : `${jobName} has been attempted too many times.`,
    );
  }
}

/** The job ran past its timeout. */
export class JobTimeoutError extends QueueError {
  constructor(jobName: string, seconds: number) {
    super(`${jobName} has timed out after ${seconds} seconds. Raise its timeout, or make the handler honour job.signal.`);
  }
}

/** The job failed because it threw `maxExceptions` times. */
export class MaxExceptionsExceededError extends QueueError {}

/** job.fail() was called without an error. */
export class ManuallyFailedError extends QueueError {
  constructor(jobName: string, message?: string) {
    super(message ?? `${jobName} was marked as failed by its handler.`);
  }
}

/**
 * Throw from a handler when the record a job refers to no longer exists. With @Job({ deleteWhenMissing: true })
 * the job is then deleted quietly, as Laravel's deleteWhenMissingModels does.
 */
export class MissingRecordError extends QueueError {
  constructor(message = 'The record this job refers to no longer exists.') {
    super(message);
  }
}

/** A payload in Redis could not be read: malformed JSON, an unknown version, an unknown job name, or bad encryption. */
export class InvalidPayloadError extends QueueError {}
