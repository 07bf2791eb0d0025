import knexFactory, { Knex } from 'knex';
import { TransactionClosedError } from '../../../lib';
import { createTestDatabase, SqlKind, TestDatabase } from '../../support/sql-databases';
import { waitUntil } from '../../support/test-redis';
import { ran, RollBack, SendReceipt, SendUniqueReceipt, startApp, TxTestApp } from './transaction-apps';

/** The explicit form for code that passes its transaction by hand: `afterCommit(trx)` with a knex trx. */
export function knexAfterCommitSuite(kind: SqlKind): void {
  describe(`afterCommit(trx) with a knex transaction passed by hand (${kind})`, () => {
    let db: TestDatabase;
    let knex: Knex;
    let t: TxTestApp;
    const orders = async () => (await knex('orders').select('name')).map((r: { name: string }) => r.name);

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      knex = knexFactory({ ...(db.options as Knex.Config), pool: { min: 0, max: 4 } });
      await knex.schema.createTable('orders', (table) => table.string('name', 64).notNullable());
    });
    afterAll(async () => {
      await knex?.destroy();
      await db?.drop();
    });
    beforeEach(async () => {
      ran.length = 0;
      t = await startApp([]);
    });
    afterEach(async () => {
      await t?.close();
    });

    it('sends the job once the knex transaction has committed', async () => {
      let inside = -1;
      await knex.transaction(async (trx) => {
        await trx('orders').insert({ name: 'k-1' });
        await t.bus.dispatch(SendReceipt, { order: 'k-1' }).afterCommit(trx);
        inside = await t.queued();
      });
      expect(inside).toBe(0);
      await waitUntil(async () => (await t.queued()) === 1, 'the held job is sent after the commit');
      expect(await orders()).toContain('k-1');
      await t.work();
      expect(ran).toEqual(['k-1']);
    });

    it('drops the job when the transaction callback throws', async () => {
      await expect(
        knex.transaction(async (trx) => {
          await trx('orders').insert({ name: 'k-2' });
          await t.bus.dispatch(SendUniqueReceipt, { order: 'k-2' }).afterCommit(trx);
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      // The rollback frees the unique lock the held job took; once free, the same job is sent at once.
      await waitUntil(async () => (await t.bus.dispatch(SendUniqueReceipt, { order: 'k-2' })) !== null, 'the unique lock is freed on rollback');
      expect(await orders()).not.toContain('k-2');
      await t.work();
      expect(ran).toEqual(['unique:k-2']);
    });

    it('tells an explicit trx.rollback() (which knex resolves, not rejects) from a commit', async () => {
      const trx = await knex.transaction();
      await trx('orders').insert({ name: 'k-3' });
      await t.bus.dispatch(SendUniqueReceipt, { order: 'k-3' }).afterCommit(trx);
      await trx.rollback();
      await waitUntil(async () => (await t.bus.dispatch(SendUniqueReceipt, { order: 'k-3' })) !== null, 'the unique lock is freed on rollback');
      await t.work();
      expect(ran).toEqual(['unique:k-3']);

      const committing = await knex.transaction();
      await t.bus.dispatch(SendReceipt, { order: 'k-4' }).afterCommit(committing);
      expect(await t.queued()).toBe(0);
      await committing.commit();
      await waitUntil(async () => (await t.queued()) === 1, 'the held job is sent after an explicit commit');
    });

    it('holds the jobs of a savepoint for the outer commit, and drops those of a savepoint that rolls back', async () => {
      let afterSavepoints = -1;
      await knex.transaction(async (trx) => {
        await trx.transaction(async (sp) => {
          await t.bus.dispatch(SendReceipt, { order: 'kept' }).afterCommit(sp);
        });
        await expect(
          trx.transaction(async (sp) => {
            await t.bus.dispatch(SendReceipt, { order: 'dropped' }).afterCommit(sp);
            throw new RollBack();
          }),
        ).rejects.toThrow(RollBack);
        await t.bus.dispatch(SendReceipt, { order: 'outer' }).afterCommit(trx);
        afterSavepoints = await t.queued();
      });
      expect(afterSavepoints).toBe(0);
      await waitUntil(async () => (await t.queued()) === 2, 'the outer commit sends the savepoint\'s and its own job');
      await t.work();
      expect(ran.sort()).toEqual(['kept', 'outer']);
    });

    it('refuses a transaction that has already ended', async () => {
      const trx = await knex.transaction();
      await trx.commit();
      await expect(t.bus.dispatch(SendReceipt, { order: 'late' }).afterCommit(trx)).rejects.toThrow(TransactionClosedError);
      expect(await t.queued()).toBe(0);
    });
  });
}
