import { QueueError } from './queue.error';

/**
 * A store needs an optional peer dependency (knex, or the database driver knex loads) that is not installed.
 * `packages` are the npm packages to add.
 */
export class MissingPeerDependencyError extends QueueError {
  constructor(
    readonly packages: readonly string[],
    readonly feature: string,
    /** Another way out, appended to the message (e.g. a store that needs no package). */
    alternative?: string,
  ) {
    const list = packages.map((name) => `"${name}"`).join(' and ');
    super(
      `${feature} needs the npm package${packages.length === 1 ? '' : 's'} ${list}, which ` +
        `${packages.length === 1 ? 'is' : 'are'} not installed. Run: npm install ${packages.join(' ')}` +
        (alternative ? ` ${alternative}` : ''),
    );
  }
}

/** A failed-job store was given a time that is not a valid Date (e.g. `new Date('nonsense')` or NaN hours). */
export class InvalidFailedJobTimeError extends QueueError {
  constructor(argument: string, value: unknown) {
    super(`${argument} must be a valid Date (or a finite number of hours); got ${String(value)}. Pass a real point in time.`);
  }
}

/**
 * The failed-job store could not record a job that failed for good (its database is down or does not answer).
 * The job is not lost: it stays in its queue and is tried again after retryAfter, until the store is back.
 */
export class FailedJobStoreUnavailableError extends QueueError {
  constructor(
    readonly store: string,
    readonly reason: string,
  ) {
    super(`The failed-job store (${store}) could not record a failed job: ${reason}. The job stays in its queue and is tried again after retryAfter; check that the database is up.`);
  }
}
