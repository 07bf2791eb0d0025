import { DatabaseBatchRepository } from '../../lib/batches/database-batch.repository';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { describeBatchRepositoryContract, jobSpan } from './batch-repository.contract';

/** The contract, plus what only the SQL store has, against one database of `kind` made for this file. */
export function describeSqlBatchRepository(kind: SqlKind): void {
  let database: TestDatabase;
  let tables = 0;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** A pool of several connections, so concurrent updates really run side by side. */
  const repository = (table = `job_batches_${++tables}`): DatabaseBatchRepository =>
    new DatabaseBatchRepository({ ...database.options, pool: { min: 0, max: 6 } }, table);

  describeBatchRepositoryContract(kind, async () => repository());

  describe(`${kind}: DatabaseBatchRepository`, () => {
    it('creates the table on first use, and two stores racing to create it both succeed', async () => {
      const table = `job_batches_race_${++tables}`;
      const a = repository(table);
      const b = repository(table);
      try {
        await Promise.all([
          a.store({ id: 'from-a', name: 'a', options: {}, createdAt: new Date() }),
          b.store({ id: 'from-b', name: 'b', options: {}, createdAt: new Date() }),
        ]);
        expect((await a.get(10)).map((batch) => batch.id).sort()).toEqual(['from-a', 'from-b']);
        await a.setup(); // memoised: nothing to do
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('adds the job_spans column to a table made before it, keeping every row, also with two stores racing', async () => {
      const table = `job_batches_old_${++tables}`;
      const { default: knex } = await import('knex');
      const db = knex({ ...database.options, useNullAsDefault: true });
      const a = repository(table);
      const b = repository(table);
      try {
        // The table as the stores made it before the column existed.
        await db.schema.createTable(table, (t) => {
          t.string('id', 36).primary();
          t.string('name').notNullable();
          t.integer('total_jobs').notNullable();
          t.integer('pending_jobs').notNullable();
          t.integer('failed_jobs').notNullable();
          t.text('failed_job_ids', 'longtext').notNullable();
          t.text('options', 'mediumtext').nullable();
          t.bigInteger('cancelled_at').nullable();
          t.bigInteger('created_at').notNullable();
          t.bigInteger('finished_at').nullable();
        });
        await db(table).insert({
          id: 'old', name: 'before', total_jobs: 3, pending_jobs: 2, failed_jobs: 1, failed_job_ids: '["j1"]',
          options: '{"allowFailures":true}', cancelled_at: null, created_at: 1_700_000_000_000, finished_at: null,
        });
        expect(await db.schema.hasColumn(table, 'job_spans')).toBe(false);

        await Promise.all([a.setup(), b.setup()]);

        expect(await db.schema.hasColumn(table, 'job_spans')).toBe(true);
        expect(await a.find('old')).toEqual({
          id: 'old', name: 'before', totalJobs: 3, pendingJobs: 2, failedJobs: 1, failedJobIds: ['j1'], options: { allowFailures: true },
          createdAt: new Date(1_700_000_000_000), cancelledAt: null, finishedAt: null,
        });
        expect(await b.decrementPendingJobs('old', 'j2', jobSpan(2))).toEqual({ pendingJobs: 1, failedJobs: 1 });
        expect((await a.find('old'))?.jobSpans).toEqual([jobSpan(2)]);
      } finally {
        await a.close();
        await b.close();
        await db.destroy();
      }
    });

    it('uses the default table name job_batches', async () => {
      const store = new DatabaseBatchRepository(database.options);
      try {
        await store.store({ id: 'default-table', name: 'x', options: {}, createdAt: new Date() });
        const { default: knex } = await import('knex');
        const db = knex({ ...database.options, useNullAsDefault: true });
        try {
          const rows = (await db('job_batches').select('id', 'created_at', 'failed_job_ids')) as Record<string, unknown>[];
          expect(rows).toHaveLength(1);
          expect(rows[0].id).toBe('default-table');
          expect(rows[0].failed_job_ids).toBe('[]');
        } finally {
          await db.destroy();
        }
      } finally {
        await store.close();
      }
    });

    it('can be closed and used again (a new pool is opened)', async () => {
      const store = repository();
      await store.store({ id: 'reopen', name: 'r', options: {}, createdAt: new Date() });
      await store.close();
      expect((await store.find('reopen'))?.name).toBe('r');
      await store.close();
    });
  });
}
