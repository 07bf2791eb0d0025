import { QueueError } from './queue.error';

/** Job data that JSON would silently change; `path` names the value, e.g. data.user.createdAt. */
export class InvalidJobDataError extends QueueError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`Job data at ${path} ${problem}. Job data must be plain JSON: pass ids and plain values, not entities or functions.`);
  }
}

export class PayloadTooLargeError extends QueueError {
  constructor(bytes: number, limit: number, jobName: string) {
    super(
      `The payload of ${jobName} is ${bytes} bytes, over the limit of ${limit} bytes. ` +
        `Store large data elsewhere and pass a reference, or raise maxPayloadBytes in QueueModule.forRoot().`,
    );
  }
}

/** The class given to dispatch() is not a registered @Job provider. */
export class UnknownJobClassError extends QueueError {
  constructor(className: string) {
    super(
      `${className} is not a registered job. Decorate it with @Job() and list it in a module's providers.`,
    );
  }
}

export class UnknownConnectionError extends QueueError {
  constructor(name: string, known: string[]) {
    super(`Queue connection "${name}" is not configured. Configured connections: ${known.join(', ') || '(none)'}.`);
  }
}

/** Redis did not answer in time while dispatching or working. */
export class QueueConnectionError extends QueueError {
  constructor(what: string, cause?: unknown) {
    super(`${what}: ${describeCause(cause)}. Check that Redis is running and the queue's redis settings point at it.`);
  }
}

function describeCause(cause: unknown): string {
  if (cause === undefined || cause === null) return 'Redis is unreachable';
  const error = cause instanceof Error ? cause : null;
  if (error && (error.name === 'MaxRetriesPerRequestError' || /max retries per request/i.test(error.message))) return 'Redis is unreachable';
  const text = error ? error.message : String(cause);
  return text.replace(/[.\s]+$/, '') || 'Redis is unreachable';
}

/** The queue's Redis connections were closed with the application; nothing can be sent or taken any more. */
export class QueueClosedError extends QueueError {
  constructor(server: string) {
    super(`The Redis connection "${server}" was used after the application closed. Dispatch and work before app.close(), or create a new application.`);
  }
}

/**
 * Redis refused or failed the dispatch (out of memory, a read-only replica, a script error...): nothing of it was
 * queued. `jobIds` are the ids the jobs would have had; sending them again is safe.
 */
export class DispatchFailedError extends QueueError {
  constructor(
    what: string,
    readonly jobIds: readonly string[],
    override readonly cause?: unknown,
    note = 'Nothing was queued; it is safe to dispatch again.',
  ) {
    super(`${what}: ${describeCause(cause)}. ${note}`);
  }
}

/**
 * Redis did not answer in time (busy longer than the command timeout): the dispatch may or may not have been
 * queued, and may still run. `jobIds` are the ids of the jobs whose fate is unknown: check for them (a failed
 * record, your own side effects) before dispatching again, or a retry may run them twice.
 */
export class DispatchOutcomeUnknownError extends QueueError {
  constructor(
    what: string,
    readonly jobIds: readonly string[],
    override readonly cause?: unknown,
  ) {
    const ids = jobIds.length <= 5 ? jobIds.join(', ') : `${jobIds.slice(0, 5).join(', ')} and ${jobIds.length - 5} more (see jobIds)`;
    super(
      `${what}: Redis did not answer in time (${describeCause(cause)}), so it is unknown whether ` +
        `${jobIds.length === 1 ? 'the job was' : 'the jobs were'} queued; ${jobIds.length === 1 ? 'it' : 'they'} may still run. ` +
        `Job id${jobIds.length === 1 ? '' : 's'}: ${ids}. Check before dispatching again: a retry may run ${jobIds.length === 1 ? 'it' : 'them'} twice.`,
    );
  }
}
