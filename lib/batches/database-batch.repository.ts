import type { Knex } from 'knex';
import { ensureSqliteDirectory } from '../database/ensure-sqlite-directory';
import type { DatabaseOptions } from '../config/queue-options.interface';
import { BatchDatabaseDriverMissingError, BatchNotFoundError } from '../errors/batch.errors';
import type { BatchOptions, BatchRecord, BatchRepository, UpdatedBatchJobCounts } from './batch-repository.interface';

/** Rows one prune statement deletes, as Laravel's chunks of 1000. */
const PRUNE_CHUNK = 1000;

/** A row of the job_batches table. Drivers return BIGINT as a number (mysql2, SQLite) or a string (pg). */
interface BatchRow {
  id: string;
  name: string;
  total_jobs: number | string;
  pending_jobs: number | string;
  failed_jobs: number | string;
  failed_job_ids: string;
  options: string | null;
  cancelled_at: number | string | null;
  created_at: number | string;
  finished_at: number | string | null;
}

type KnexFactory = (config: Knex.Config) => Knex;

/** Loads knex only when a database batch store is used: it is an optional peer dependency. */
function loadKnex(): KnexFactory {
  let loaded: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('knex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'MODULE_NOT_FOUND') {
      throw new BatchDatabaseDriverMissingError(error);
    }
    throw error;
  }
  const module = loaded as KnexFactory & { knex?: KnexFactory; default?: KnexFactory };
  return module.knex ?? module.default ?? module;
}

/**
 * Batches in a SQL table shaped like Laravel's `job_batches` (SQLite, PostgreSQL, MySQL/MariaDB), through knex.
 * Times are stored as BIGINT epoch milliseconds, so a Date comes back exactly as it went in on every database.
 *
 * Counter updates are atomic: on PostgreSQL and MySQL a transaction locks the row (SELECT ... FOR UPDATE);
 * on SQLite, whose connections would dead-lock upgrading a read lock inside a deferred transaction, each
 * update is one `UPDATE ... RETURNING` statement (SQLite runs one writer at a time), editing the JSON list
 * of failed job ids with SQLite's JSON functions.
 *
 * The table is created on first use (or by `setup()`), once per instance; another process creating it at
 * the same moment is fine.
 */
export class DatabaseBatchRepository implements BatchRepository {
  private connection?: Knex;
  private ready?: Promise<void>;

  constructor(
    private readonly knexConfig: DatabaseOptions,
    private readonly table = 'job_batches',
  ) {}

  async store(batch: { id: string; name: string; options: BatchOptions; createdAt: Date }): Promise<BatchRecord> {
    const db = await this.db();
    const createdAt = batch.createdAt.getTime();
    await db(this.table).insert({
      id: batch.id,
      name: batch.name,
      total_jobs: 0,
      pending_jobs: 0,
      failed_jobs: 0,
      failed_job_ids: '[]',
      options: JSON.stringify(batch.options),
      cancelled_at: null,
      created_at: createdAt,
      finished_at: null,
    });
    return {
      id: batch.id,
      name: batch.name,
      totalJobs: 0,
      pendingJobs: 0,
      failedJobs: 0,
      failedJobIds: [],
      options: batch.options,
      createdAt: new Date(createdAt),
      cancelledAt: null,
      finishedAt: null,
    };
  }

  async find(id: string): Promise<BatchRecord | null> {
    const db = await this.db();
    const row = (await db(this.table).where('id', id).first()) as BatchRow | undefined;
    return row ? toRecord(row) : null;
  }

  async get(limit: number, before?: string): Promise<BatchRecord[]> {
    if (limit <= 0) return [];
    const db = await this.db();
    const query = db(this.table)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    if (before !== undefined) {
      const anchor = (await db(this.table).where('id', before).first('created_at')) as Pick<BatchRow, 'created_at'> | undefined;
      if (!anchor) return [];
      const createdAt = Number(anchor.created_at);
      query.where((older) =>
        older.where('created_at', '<', createdAt).orWhere((same) => same.where('created_at', createdAt).andWhere('id', '<', before)),
      );
    }
    return ((await query) as BatchRow[]).map(toRecord);
  }

  async incrementTotalJobs(id: string, amount: number): Promise<void> {
    const db = await this.db();
    const changed = await db(this.table)
      .where('id', id)
      .update({
        total_jobs: db.raw('?? + ?', ['total_jobs', amount]),
        pending_jobs: db.raw('?? + ?', ['pending_jobs', amount]),
        finished_at: null,
      });
    await this.ensureChanged(id, changed);
  }

  async decrementPendingJobs(id: string, jobId: string): Promise<UpdatedBatchJobCounts> {
    const db = await this.db();
    if (this.isSqlite()) {
      const column = `${this.table}.failed_job_ids`;
      return this.returning(
        id,
        db(this.table)
          .where('id', id)
          .update(
            {
              pending_jobs: db.raw('?? - 1', ['pending_jobs']),
              failed_job_ids: db.raw(
                `CASE WHEN EXISTS (SELECT 1 FROM json_each(??) WHERE value = ?) THEN ` +
                  `(SELECT coalesce(json_group_array(value), '[]') FROM json_each(??) WHERE value <> ?) ` +
                  `ELSE ?? END`,
                [column, jobId, column, jobId, column],
              ),
            },
            ['pending_jobs', 'failed_jobs'],
          ),
      );
    }
    return this.lockedUpdate(id, (row) => ({
      pending_jobs: Number(row.pending_jobs) - 1,
      failed_jobs: Number(row.failed_jobs),
      failed_job_ids: JSON.stringify(parseIds(row.failed_job_ids).filter((failed) => failed !== jobId)),
    }));
  }

  async incrementFailedJobs(id: string, jobId: string): Promise<UpdatedBatchJobCounts> {
    const db = await this.db();
    if (this.isSqlite()) {
      const column = `${this.table}.failed_job_ids`;
      return this.returning(
        id,
        db(this.table)
          .where('id', id)
          .update(
            {
              failed_jobs: db.raw('?? + 1', ['failed_jobs']),
              failed_job_ids: db.raw(
                `CASE WHEN EXISTS (SELECT 1 FROM json_each(??) WHERE value = ?) THEN ?? ` +
                  `ELSE json_insert(??, '$[#]', ?) END`,
                [column, jobId, column, column, jobId],
              ),
            },
            ['pending_jobs', 'failed_jobs'],
          ),
      );
    }
    return this.lockedUpdate(id, (row) => {
      const ids = parseIds(row.failed_job_ids);
      if (!ids.includes(jobId)) ids.push(jobId);
      return {
        pending_jobs: Number(row.pending_jobs),
        failed_jobs: Number(row.failed_jobs) + 1,
        failed_job_ids: JSON.stringify(ids),
      };
    });
  }

  async markAsFinished(id: string): Promise<void> {
    const db = await this.db();
    const changed = await db(this.table).where('id', id).update({ finished_at: Date.now() });
    await this.ensureChanged(id, changed);
  }

  /** As Laravel, a cancelled batch also counts as finished. The first cancellation's time is kept. */
  async cancel(id: string): Promise<void> {
    const db = await this.db();
    const now = Date.now();
    const changed = await db(this.table)
      .where('id', id)
      .update({
        cancelled_at: db.raw('coalesce(??, ?)', ['cancelled_at', now]),
        finished_at: db.raw('coalesce(??, ?)', ['finished_at', now]),
      });
    await this.ensureChanged(id, changed);
  }

  async delete(id: string): Promise<void> {
    const db = await this.db();
    await db(this.table).where('id', id).delete();
  }

  async prune(before: Date, options: { unfinished?: boolean; cancelled?: boolean } = {}): Promise<number> {
    const db = await this.db();
    const cutoff = before.getTime();
    const prunable = (query: Knex.QueryBuilder): Knex.QueryBuilder =>
      query.where((any) => {
        any.where((finished) => finished.whereNotNull('finished_at').andWhere('finished_at', '<', cutoff));
        if (options.unfinished) any.orWhere((open) => open.whereNull('finished_at').andWhere('created_at', '<', cutoff));
        if (options.cancelled) any.orWhere((gone) => gone.whereNotNull('cancelled_at').andWhere('created_at', '<', cutoff));
      });
    let total = 0;
    for (;;) {
      // Chunks keep each statement short; DELETE ... LIMIT is not portable, so the ids are selected first.
      const ids = ((await prunable(db(this.table).select('id')).limit(PRUNE_CHUNK)) as Pick<BatchRow, 'id'>[]).map(
        (row) => row.id,
      );
      if (ids.length === 0) return total;
      total += await prunable(db(this.table).whereIn('id', ids)).delete();
      if (ids.length < PRUNE_CHUNK) return total;
    }
  }

  setup(): Promise<void> {
    this.ready ??= this.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.ready = undefined;
    if (connection) await connection.destroy();
  }

  /** The knex instance, with the table in place. */
  private async db(): Promise<Knex> {
    await this.setup();
    return this.knex();
  }

  private knex(): Knex {
    if (!this.connection) ensureSqliteDirectory(this.knexConfig);
    this.connection ??= loadKnex()({ useNullAsDefault: this.isSqlite() ? true : undefined, ...this.knexConfig } as Knex.Config);
    return this.connection;
  }

  private isSqlite(): boolean {
    return /sqlite/i.test(String(this.knexConfig.client));
  }

  private async createTable(): Promise<void> {
    const db = this.knex();
    if (await db.schema.hasTable(this.table)) return;
    try {
      await db.schema.createTable(this.table, (table) => {
        table.string('id', 36).primary();
        table.string('name').notNullable();
        table.integer('total_jobs').notNullable();
        table.integer('pending_jobs').notNullable();
        table.integer('failed_jobs').notNullable();
        table.text('failed_job_ids', 'longtext').notNullable();
        table.text('options', 'mediumtext').nullable();
        table.bigInteger('cancelled_at').nullable();
        table.bigInteger('created_at').notNullable();
        table.bigInteger('finished_at').nullable();
        table.index(['created_at'], `${this.table.replace(/\W/g, '_')}_created_at_index`);
      });
    } catch (error) {
      // Another process may have created it between the check and the CREATE.
      if (await db.schema.hasTable(this.table)) return;
      throw error;
    }
  }

  /** SELECT ... FOR UPDATE, then UPDATE, in one transaction (PostgreSQL, MySQL). */
  private async lockedUpdate(
    id: string,
    change: (row: BatchRow) => { pending_jobs: number; failed_jobs: number; failed_job_ids: string },
  ): Promise<UpdatedBatchJobCounts> {
    const db = await this.db();
    return db.transaction(async (trx) => {
      const row = (await trx(this.table)
        .where('id', id)
        .forUpdate()
        .first('pending_jobs', 'failed_jobs', 'failed_job_ids')) as BatchRow | undefined;
      if (!row) throw new BatchNotFoundError(id);
      const values = change(row);
      await trx(this.table).where('id', id).update(values);
      return { pendingJobs: values.pending_jobs, failedJobs: values.failed_jobs };
    });
  }

  /** Runs an UPDATE ... RETURNING pending_jobs, failed_jobs (SQLite). */
  private async returning(id: string, update: Knex.QueryBuilder): Promise<UpdatedBatchJobCounts> {
    const rows = (await update) as unknown as Pick<BatchRow, 'pending_jobs' | 'failed_jobs'>[];
    const row = rows[0];
    if (!row) throw new BatchNotFoundError(id);
    return { pendingJobs: Number(row.pending_jobs), failedJobs: Number(row.failed_jobs) };
  }

  /**
   * MySQL counts only rows whose values changed, so 0 may mean "already so" rather than "no such batch":
   * look before throwing.
   */
  private async ensureChanged(id: string, changed: number): Promise<void> {
    if (changed > 0) return;
    const db = this.knex();
    if (!(await db(this.table).where('id', id).first('id'))) throw new BatchNotFoundError(id);
  }
}

function parseIds(text: string | null): string[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

function toRecord(row: BatchRow): BatchRecord {
  return {
    id: row.id,
    name: row.name,
    totalJobs: Number(row.total_jobs),
    pendingJobs: Number(row.pending_jobs),
    failedJobs: Number(row.failed_jobs),
    failedJobIds: parseIds(row.failed_job_ids),
    options: row.options ? (JSON.parse(row.options) as BatchOptions) : {},
    createdAt: new Date(Number(row.created_at)),
    cancelledAt: row.cancelled_at === null || row.cancelled_at === undefined ? null : new Date(Number(row.cancelled_at)),
    finishedAt: row.finished_at === null || row.finished_at === undefined ? null : new Date(Number(row.finished_at)),
  };
}
