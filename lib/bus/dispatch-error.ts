import { DispatchFailedError, DispatchOutcomeUnknownError, QueueConnectionError, QueueError } from '../errors';

/** A command that timed out on the client: Redis may have run it after all. */
export function isUnknownOutcome(error: unknown): boolean {
  return error instanceof DispatchOutcomeUnknownError || (error instanceof Error && /command timed out/i.test(error.message));
}

function isConnectionFailure(message: string): boolean {
  return /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|max retries|Connection is closed|connect|Stream isn't writeable/i.test(message);
}

/**
 * What a dispatch that failed on the way to Redis throws, always a QueueError: the outcome is unknown after a
 * client-side timeout (the job may be queued: DispatchOutcomeUnknownError with the ids), Redis was unreachable
 * (QueueConnectionError), or Redis refused it (DispatchFailedError: nothing was queued).
 */
export function dispatchError(error: unknown, what: string, jobIds: readonly string[]): QueueError {
  if (error instanceof QueueError) return error;
  if (isUnknownOutcome(error)) return new DispatchOutcomeUnknownError(what, jobIds, error);
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectionFailure(message)) return new QueueConnectionError(what, error);
  return new DispatchFailedError(what, jobIds, error);
}
