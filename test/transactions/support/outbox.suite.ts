import knexFactory, { Knex } from 'knex';
import { DataSource, EntityManager } from 'typeorm';
import { job, TransactionHooks } from '../../../lib';
import { createTestDatabase, SqlKind, TestDatabase } from '../../support/sql-databases';
import { ran, RollBack, SendReceipt, startApp, transactionHost, TxTestApp, clsTypeOrm, typeOrmOptions } from './transaction-apps';

/**
 * The transactional outbox on one database: a job for a `database` connection dispatched inside a transaction on
 * that same database is inserted by the transaction, so another connection sees no row before the commit, sees
 * it after, never after a rollback, and a worker runs it. Through @nestjs-cls/transactional (TypeORM) and a knex
 * trx passed by hand.
 */
export function outboxSuite(kind: SqlKind): void {
  describe(`the transactional outbox on ${kind}`, () => {
    let db: TestDatabase;
    let other: Knex;
    let t: TxTestApp;
    const placeholder = kind === 'pgsql' ? '$1' : '?';
    /** Job rows as another connection sees them. */
    const rowsElsewhere = async () => Number(((await other('jobs').count({ n: '*' })) as { n: number | string }[])[0].n);
    const ordersElsewhere = async () => (await other('orders').select('name')).map((r: { name: string }) => r.name);
    const manager = () => transactionHost(t).tx as unknown as EntityManager;
    const rowsInside = async () =>
      Number(((await manager().query('SELECT COUNT(*) AS n FROM jobs')) as { n: number | string }[])[0].n);
    const batchesInside = async () =>
      Number(((await manager().query('SELECT COUNT(*) AS n FROM job_batches')) as { n: number | string }[])[0].n);
    const batchesElsewhere = async () => Number(((await other('job_batches').count({ n: '*' })) as { n: number | string }[])[0].n);
    const work = () => t.worker.run({ connection: 'database', queue: 'receipts', stopWhenEmpty: true, sleep: 0, memory: 0 });

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      other = knexFactory({ ...(db.options as Knex.Config), pool: { min: 0, max: 2 } });
      await other.schema.createTable('orders', (table) => table.string('name', 64).notNullable());
    });
    afterAll(async () => {
      await other?.destroy();
      await db?.drop();
    });
    beforeEach(async () => {
      ran.length = 0;
      t = await startApp(clsTypeOrm(typeOrmOptions(db)), {
        databases: { app: db.options },
        failed: { driver: 'null' },
        batching: { driver: 'database', database: 'app' },
        connections: {
          database: { driver: 'database', connection: 'app', queue: 'receipts' },
          'database-after': { driver: 'database', connection: 'app', queue: 'receipts', afterCommit: true },
        },
      });
      // The jobs table exists before any transaction writes to it (each driver checks it on its first use; on
      // PostgreSQL that check, run by the queue's own connection, would wait for a transaction holding the table).
      expect(await t.manager.connection('database').size('receipts')).toBe(0);
      expect(await t.manager.connection('database-after').size('receipts')).toBe(0);
      // The batches table too (made by the batch store's own connection, which SQLite's one writer would lock out).
      expect(await t.bus.findBatch('00000000-0000-0000-0000-000000000000')).toBeNull();
    });
    afterEach(async () => {
      await t?.manager.connection('database').clear('receipts');
      await t?.manager.connection('database').clear('other');
      await other('job_batches').delete();
      await t?.close();
    });

    it('inserts the job row by the transaction: invisible to another connection before the commit, there after, and the worker runs it', async () => {
      const seen = await transactionHost(t).withTransaction(async () => {
        await manager().query(`INSERT INTO orders (name) VALUES (${placeholder})`, ['o-1']);
        await t.bus.dispatch(SendReceipt, { order: 'o-1' }).onConnection('database').afterCommit();
        await t.bus.dispatch(SendReceipt, { order: 'o-2' }).onConnection('database-after');
        return { inside: await rowsInside(), elsewhere: await rowsElsewhere() };
      });
      expect(seen).toEqual({ inside: 2, elsewhere: 0 });
      expect(await rowsElsewhere()).toBe(2);
      expect(await ordersElsewhere()).toEqual(['o-1']);
      await work();
      expect(ran).toEqual(['o-1', 'o-2']);
      expect(await rowsElsewhere()).toBe(0);
    });

    it('leaves no job row when the transaction rolls back', async () => {
      await expect(
        transactionHost(t).withTransaction(async () => {
          await manager().query(`INSERT INTO orders (name) VALUES (${placeholder})`, ['o-3']);
          await t.bus.dispatch(SendReceipt, { order: 'o-3' }).onConnection('database').afterCommit();
          expect(await rowsInside()).toBe(1);
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(await rowsElsewhere()).toBe(0);
      expect(await ordersElsewhere()).not.toContain('o-3');
      await t.bus.dispatch(SendReceipt, { order: 'after' }).onConnection('database');
      await work();
      expect(ran).toEqual(['after']);
    });

    it('writes a batch by the transaction: batch row and job rows invisible to another connection before the commit, there after, and the batch finishes', async () => {
      const { id, inside } = await transactionHost(t).withTransaction(async () => {
        await manager().query(`INSERT INTO orders (name) VALUES (${placeholder})`, ['b-order']);
        const batch = await t.bus
          .batch([job(SendReceipt, { order: 'b-1' }), job(SendReceipt, { order: 'b-2' })])
          .onConnection('database')
          .afterCommit()
          .dispatch();
        expect(batch.totalJobs).toBe(2);
        return { id: batch.id, inside: { jobs: await rowsInside(), batches: await batchesInside(), elsewhere: await rowsElsewhere(), batchesElsewhere: await batchesElsewhere() } };
      });
      expect(inside).toEqual({ jobs: 2, batches: 1, elsewhere: 0, batchesElsewhere: 0 });
      expect(await rowsElsewhere()).toBe(2);
      expect(await batchesElsewhere()).toBe(1);
      await work();
      expect(ran.sort()).toEqual(['b-1', 'b-2']);
      const done = await t.bus.findBatch(id);
      expect(done?.finished()).toBe(true);
      expect(done?.pendingJobs).toBe(0);
    });

    it('leaves neither the batch row nor its job rows when the transaction rolls back', async () => {
      await expect(
        transactionHost(t).withTransaction(async () => {
          await t.bus.batch([job(SendReceipt, { order: 'gone-1' }), job(SendReceipt, { order: 'gone-2' })]).onConnection('database').afterCommit().dispatch();
          expect(await rowsInside()).toBe(2);
          expect(await batchesInside()).toBe(1);
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(await rowsElsewhere()).toBe(0);
      expect(await batchesElsewhere()).toBe(0);
    });

    it('writes every job of a dispatchMany (two queues) by the transaction: none elsewhere before the commit, none after a rollback', async () => {
      const seen = await transactionHost(t).withTransaction(async () => {
        await t.bus.dispatchMany([job(SendReceipt, { order: 'm-1' }), job(SendReceipt, { order: 'm-2' }).onQueue('other')].map((d) => d.onConnection('database-after')));
        return { inside: await rowsInside(), elsewhere: await rowsElsewhere() };
      });
      expect(seen).toEqual({ inside: 2, elsewhere: 0 });
      expect(await rowsElsewhere()).toBe(2);
      await expect(
        transactionHost(t).withTransaction(async () => {
          await t.bus.dispatchMany([job(SendReceipt, { order: 'm-3' }), job(SendReceipt, { order: 'm-4' })].map((d) => d.onConnection('database-after')));
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(await rowsElsewhere()).toBe(2);
      await work();
      expect(ran).toEqual(['m-1']);
    });

    it('inserts through a knex trx passed by hand to afterCommit(trx) too', async () => {
      const appKnex = knexFactory({ ...(db.options as Knex.Config), pool: { min: 0, max: 2 } });
      try {
        const seen = await appKnex.transaction(async (trx) => {
          await trx('orders').insert({ name: 'k-1' });
          await t.bus.dispatch(SendReceipt, { order: 'k-1' }).onConnection('database').afterCommit(trx);
          const inside = Number(((await trx('jobs').count({ n: '*' })) as { n: number | string }[])[0].n);
          return { inside, elsewhere: await rowsElsewhere() };
        });
        expect(seen).toEqual({ inside: 1, elsewhere: 0 });
        expect(await rowsElsewhere()).toBe(1);
        await expect(
          appKnex.transaction(async (trx) => {
            await t.bus.dispatch(SendReceipt, { order: 'k-2' }).onConnection('database').afterCommit(trx);
            throw new RollBack();
          }),
        ).rejects.toThrow(RollBack);
        expect(await rowsElsewhere()).toBe(1);
        await work();
        expect(ran).toEqual(['k-1']);
      } finally {
        await appKnex.destroy();
      }
    });

    it('inserts through a TypeORM EntityManager passed by hand to afterCommit(manager) too', async () => {
      const dataSource = t.app.get(DataSource);
      const seen = await dataSource.transaction(async (em) => {
        await t.bus.dispatch(SendReceipt, { order: 't-1' }).onConnection('database').afterCommit(em);
        const inside = Number(((await em.query('SELECT COUNT(*) AS n FROM jobs')) as { n: number | string }[])[0].n);
        return { inside, elsewhere: await rowsElsewhere() };
      });
      expect(seen).toEqual({ inside: 1, elsewhere: 0 });
      expect(await rowsElsewhere()).toBe(1);
      await work();
      expect(ran).toEqual(['t-1']);
    });

    it('inserts through a TransactionHooks object that gives execute() and names its database', async () => {
      const appKnex = knexFactory({ ...(db.options as Knex.Config), pool: { min: 0, max: 2 } });
      try {
        const trx = await appKnex.transaction();
        const committed: (() => unknown)[] = [];
        const hooks: TransactionHooks = {
          afterCommit: (fn) => void committed.push(fn),
          afterRollback: () => undefined,
          execute: (sql, bindings) => trx.raw(sql, bindings as Knex.RawBinding[]).then((r: unknown) => r),
          database: 'app',
        };
        await t.bus.dispatch(SendReceipt, { order: 'hk-1' }).onConnection('database').afterCommit(hooks);
        expect(Number(((await trx('jobs').count({ n: '*' })) as { n: number | string }[])[0].n)).toBe(1);
        expect(await rowsElsewhere()).toBe(0);
        await trx.commit();
        for (const fn of committed) await fn();
        expect(await rowsElsewhere()).toBe(1);
        await work();
        expect(ran).toEqual(['hk-1']);
      } finally {
        await appKnex.destroy();
      }
    });

    it('sends at once, by the queue\'s own connection, with beforeCommit() or no transaction', async () => {
      const elsewhere = await transactionHost(t).withTransaction(async () => {
        await t.bus.dispatch(SendReceipt, { order: 'now' }).onConnection('database-after').beforeCommit();
        return rowsElsewhere();
      });
      expect(elsewhere).toBe(1);
      await t.bus.dispatch(SendReceipt, { order: 'plain' }).onConnection('database').afterCommit();
      expect(await rowsElsewhere()).toBe(2);
    });
  });
}

/** A transaction on another database than the queue's: the job is not written by it, it waits for its commit. */
export function otherDatabaseSuite(): void {
  describe('a database connection on another database than the transaction', () => {
    it('holds the job until the commit and then inserts it by the queue\'s own connection', async () => {
      const business = await createTestDatabase('sqlite');
      const queue = await createTestDatabase('sqlite');
      const reader = knexFactory({ ...(queue.options as Knex.Config), pool: { min: 0, max: 1 } });
      ran.length = 0;
      const t = await startApp(clsTypeOrm(typeOrmOptions(business)), {
        databases: { queue: queue.options },
        failed: { driver: 'null' },
        connections: { database: { driver: 'database', connection: 'queue', queue: 'receipts' } },
      });
      try {
        expect(await t.manager.connection('database').size('receipts')).toBe(0);
        const inside = await transactionHost(t).withTransaction(async () => {
          await t.bus.dispatch(SendReceipt, { order: 'elsewhere' }).onConnection('database').afterCommit();
          return Number(((await reader('jobs').count({ n: '*' })) as { n: number }[])[0].n);
        });
        expect(inside).toBe(0);
        expect(Number(((await reader('jobs').count({ n: '*' })) as { n: number }[])[0].n)).toBe(1);
        await t.worker.run({ connection: 'database', queue: 'receipts', stopWhenEmpty: true, sleep: 0, memory: 0 });
        expect(ran).toEqual(['elsewhere']);
      } finally {
        await t.close();
        await reader.destroy();
        await business.drop();
        await queue.drop();
      }
    });
  });
}
