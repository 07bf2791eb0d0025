import type { Knex } from 'knex';
import { ensureSqliteDirectory } from '../database/ensure-sqlite-directory';
import type { DatabaseOptions } from '../config/queue-options.interface';
import { BatchDatabaseDriverMissingError, BatchNotFoundError } from '../errors/batch.errors';
import type { BatchOptions, BatchRecord, BatchRepository, UpdatedBatchJobCounts } from './batch-repository.interface';
import { NewBatch, newBatchRecord } from './new-batch-record';
import { inSavepoint } from '../drivers/database/savepoint';
import { MAX_TRACE_LINKS } from '../payload/payload.interface';
import { JOB_SPAN_ENTRY, JOB_SPAN_SEPARATOR, keptSpan } from './job-spans';

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
  /** The jobs' process spans, space-separated (see BatchRecord.jobSpans); null while none was traced. */
  job_spans?: string | null;
}

/** The column of the jobs' spans: added to a table made before it existed (nullable, so no row changes). */
const JOB_SPANS = 'job_spans';

/** A job_spans text holds fewer than MAX_TRACE_LINKS spans while it is shorter than this. */
const JOB_SPANS_FULL_LENGTH = MAX_TRACE_LINKS * JOB_SPAN_ENTRY - 1;

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
 * The table is created on first use (or by `setup()`, the `batches:table` command), once per instance; another
 * process creating it at the same moment is fine. A table made before the `job_spans` column existed gets it then
 * (a nullable column: the rows stay as they are).
 */
export class DatabaseBatchRepository implements BatchRepository {
  private connection?: Knex;
  private ready?: Promise<void>;

  constructor(
    private readonly knexConfig: DatabaseOptions,
    private readonly table = 'job_batches',
  ) {}

  async store(batch: NewBatch): Promise<BatchRecord> {
    const db = await this.db();
    await db(this.table).insert(newRow(batch));
    return newBatchRecord(batch);
  }

  /**
   * The batch's writes on a caller's open transaction (the outbox), where the transaction is on this store's
   * database: `store` and `incrementTotalJobs` run by `execute` (`?` placeholders), so the batch row and its totals
   * exist if and only if that transaction commits; `record(id)` is the batch as the transaction sees it. The table
   * is made first (when missing) by the store's own connection.
   */
  async within(execute: (sql: string, bindings: readonly unknown[]) => Promise<unknown>): Promise<BatchWritesWithin> {
    const db = await this.db();
    const records = new Map<string, BatchRecord>();
    const run = (query: Knex.QueryBuilder) => {
      const { sql, bindings } = query.toSQL();
      return execute(sql, bindings);
    };
    return {
      store: async (batch) => {
        await run(db(this.table).insert(newRow(batch)));
        const record = newBatchRecord(batch);
        records.set(record.id, record);
        return record;
      },
      incrementTotalJobs: async (id, amount) => {
        await run(db(this.table).where('id', id).update(this.totalsRaised(db, amount)));
        const record = records.get(id);
        if (record) records.set(id, { ...record, totalJobs: record.totalJobs + amount, pendingJobs: record.pendingJobs + amount, finishedAt: null });
      },
      record: (id) => records.get(id) ?? null,
      atomically: (work) => inSavepoint(execute, work),
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
    const changed = await db(this.table).where('id', id).update(this.totalsRaised(db, amount));
    await this.ensureChanged(id, changed);
  }

  private totalsRaised(db: Knex, amount: number): Record<string, Knex.Raw | null> {
    return { total_jobs: db.raw('?? + ?', ['total_jobs', amount]), pending_jobs: db.raw('?? + ?', ['pending_jobs', amount]), finished_at: null };
  }

  async decrementPendingJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts> {
    const db = await this.db();
    const kept = keptSpan(span);
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
              ...(kept ? this.spanAppended(db, kept) : {}),
            },
            ['pending_jobs', 'failed_jobs'],
          ),
      );
    }
    return this.lockedUpdate(id, kept, (row) => ({
      pending_jobs: Number(row.pending_jobs) - 1,
      failed_jobs: Number(row.failed_jobs),
      failed_job_ids: JSON.stringify(parseIds(row.failed_job_ids).filter((failed) => failed !== jobId)),
    }));
  }

  /** SQLite: job_spans with `span` added, in the UPDATE itself, while it holds fewer than MAX_TRACE_LINKS. */
  private spanAppended(db: Knex, span: string): Record<string, Knex.Raw> {
    return {
      [JOB_SPANS]: db.raw(`CASE WHEN ?? IS NULL THEN ? WHEN length(??) < ? THEN ?? || ? || ? ELSE ?? END`, [
        JOB_SPANS, span, JOB_SPANS, JOB_SPANS_FULL_LENGTH, JOB_SPANS, JOB_SPAN_SEPARATOR, span, JOB_SPANS,
      ]),
    };
  }

  async incrementFailedJobs(id: string, jobId: string, span?: string): Promise<UpdatedBatchJobCounts> {
    const db = await this.db();
    const kept = keptSpan(span);
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
              ...(kept ? this.spanAppended(db, kept) : {}),
            },
            ['pending_jobs', 'failed_jobs'],
          ),
      );
    }
    return this.lockedUpdate(id, kept, (row) => {
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
    if (await db.schema.hasTable(this.table)) return this.addJobSpansColumn(db);
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
        table.text(JOB_SPANS).nullable();
        table.index(['created_at'], `${this.table.replace(/\W/g, '_')}_created_at_index`);
      });
    } catch (error) {
      // Another process may have created it between the check and the CREATE.
      if (await db.schema.hasTable(this.table)) return this.addJobSpansColumn(db);
      throw error;
    }
  }

  /** A table made before the job_spans column existed gets it (nullable: no row is rewritten, nothing is lost). */
  private async addJobSpansColumn(db: Knex): Promise<void> {
    if (await db.schema.hasColumn(this.table, JOB_SPANS)) return;
    try {
      await db.schema.alterTable(this.table, (table) => {
        table.text(JOB_SPANS).nullable();
      });
    } catch (error) {
      // Another process may have added it between the check and the ALTER.
      if (await db.schema.hasColumn(this.table, JOB_SPANS)) return;
      throw error;
    }
  }

  /**
   * SELECT ... FOR UPDATE, then UPDATE, in one transaction (PostgreSQL, MySQL). `span`: added to job_spans in the
   * same UPDATE while it holds fewer than MAX_TRACE_LINKS (the column is read only then).
   */
  private async lockedUpdate(
    id: string,
    span: string | undefined,
    change: (row: BatchRow) => { pending_jobs: number; failed_jobs: number; failed_job_ids: string },
  ): Promise<UpdatedBatchJobCounts> {
    const db = await this.db();
    const columns = ['pending_jobs', 'failed_jobs', 'failed_job_ids', ...(span ? [JOB_SPANS] : [])];
    return db.transaction(async (trx) => {
      const row = (await trx(this.table).where('id', id).forUpdate().first(columns)) as BatchRow | undefined;
      if (!row) throw new BatchNotFoundError(id);
      const values: Record<string, string | number> = change(row);
      const spans = row.job_spans;
      if (span && (!spans || spans.length < JOB_SPANS_FULL_LENGTH)) values[JOB_SPANS] = spans ? `${spans}${JOB_SPAN_SEPARATOR}${span}` : span;
      await trx(this.table).where('id', id).update(values);
      return { pendingJobs: Number(values.pending_jobs), failedJobs: Number(values.failed_jobs) };
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


/** The writes of a batch made on a caller's open transaction (see DatabaseBatchRepository.within). */
export interface BatchWritesWithin {
  store(batch: NewBatch): Promise<BatchRecord>;
  incrementTotalJobs(id: string, amount: number): Promise<void>;
  /** A batch stored through this transaction, with the totals it raised; null for any other. */
  record(id: string): BatchRecord | null;
  /** Runs `work` in a savepoint of the transaction: its writes count all or none. */
  atomically<T>(work: () => Promise<T>): Promise<T>;
}

function newRow(batch: NewBatch): Record<string, string | number | null> {
  return {
    id: batch.id,
    name: batch.name,
    total_jobs: 0,
    pending_jobs: 0,
    failed_jobs: 0,
    failed_job_ids: '[]',
    options: JSON.stringify(batch.options),
    cancelled_at: null,
    created_at: batch.createdAt.getTime(),
    finished_at: null,
  };
}


function parseIds(text: string | null): string[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

function toRecord(row: BatchRow): BatchRecord {
  const record: BatchRecord = {
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
  if (row.job_spans) record.jobSpans = row.job_spans.split(JOB_SPAN_SEPARATOR);
  return record;
}
