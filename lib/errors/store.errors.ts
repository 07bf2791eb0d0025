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

/**
 * A `database` connection's locks, limiters and signals live in its database, and that database is one the atomic
 * store does not speak (it speaks SQLite, PostgreSQL and MySQL/MariaDB).
 */
export class StoreDatabaseUnsupportedError extends QueueError {
  constructor(
    readonly database: string,
    readonly client: string,
  ) {
    super(
      `The database "${database}" uses the knex client "${client}"; locks, rate limits and worker signals of a database ` +
        `connection need SQLite (better-sqlite3), PostgreSQL (pg) or MySQL/MariaDB (mysql2). Point the connection at one of those.`,
    );
  }
}

/**
 * A job needs a lock or a counter (a unique job, a middleware limiter, maxExceptions) on a connection that has no
 * store of its own (the sync driver), and the app has neither a database connection nor a Redis server to keep it in.
 */
export class NoAtomicStoreError extends QueueError {
  constructor(readonly connection: string) {
    super(
      `The connection "${connection}" keeps no locks or counters of its own, and no database connection or Redis server ` +
        `is configured to keep them: add a 'database' connection (SQLite needs no server) or a Redis server under "redis".`,
    );
  }
}
