import { QueueError } from './queue.error';

/** No batch with this id is stored (it was never created, or it was deleted or pruned). */
export class BatchNotFoundError extends QueueError {
  constructor(readonly batchId: string) {
    super(`Batch "${batchId}" does not exist: it was never stored, or it has been deleted or pruned.`);
  }
}

/** `batching.driver: 'database'` needs knex, an optional peer dependency that is not installed. */
export class BatchDatabaseDriverMissingError extends QueueError {
  constructor(cause?: unknown) {
    super(
      `The database batch store needs the "knex" package and the driver of your database ` +
        `(better-sqlite3, pg or mysql2), which are optional peer dependencies. ` +
        `Install them (npm install knex pg), or use batching: { driver: 'redis' }.` +
        (cause instanceof Error ? ` (${cause.message})` : ''),
    );
  }
}
