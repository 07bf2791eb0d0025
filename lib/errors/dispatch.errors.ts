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
