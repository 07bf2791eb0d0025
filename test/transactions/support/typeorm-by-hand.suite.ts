import { DataSource } from 'typeorm';
import { TransactionClosedError } from '../../../lib';
import { createTestDatabase, SqlKind, TestDatabase } from '../../support/sql-databases';
import { ran, RollBack, SendReceipt, SendUniqueReceipt, startApp, TxTestApp, typeOrmOptions } from './transaction-apps';

/** The explicit form with TypeORM and no @nestjs-cls: `afterCommit(manager)` inside `dataSource.transaction()`. */
export function typeOrmByHandSuite(kind: SqlKind): void {
  describe(`afterCommit(manager) with a TypeORM transaction passed by hand (${kind})`, () => {
    let db: TestDatabase;
    let dataSource: DataSource;
    let t: TxTestApp;
    const p = kind === 'pgsql' ? '$1' : '?';
    const orders = async () => ((await dataSource.query('SELECT name FROM orders')) as { name: string }[]).map((r) => r.name);

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      dataSource = await new DataSource(typeOrmOptions(db)).initialize();
      await dataSource.query('CREATE TABLE orders (name varchar(64) NOT NULL)');
    });
    afterAll(async () => {
      await dataSource?.destroy();
      await db?.drop();
    });
    beforeEach(async () => {
      ran.length = 0;
      t = await startApp([]);
    });
    afterEach(async () => {
      await t?.close();
    });

    it('sends the job once the transaction has committed', async () => {
      const inside = await dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO orders (name) VALUES (${p})`, ['t-1']);
        await t.bus.dispatch(SendReceipt, { order: 't-1' }).afterCommit(manager);
        return t.queued();
      });
      expect(inside).toBe(0);
      expect(await t.queued()).toBe(1);
      expect(await orders()).toContain('t-1');
      await t.work();
      expect(ran).toEqual(['t-1']);
    });

    it('drops the job, and frees its unique lock, when the transaction rolls back', async () => {
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.query(`INSERT INTO orders (name) VALUES (${p})`, ['t-2']);
          await t.bus.dispatch(SendUniqueReceipt, { order: 't-2' }).afterCommit(manager);
          throw new RollBack();
        }),
      ).rejects.toThrow(RollBack);
      expect(await t.queued()).toBe(0);
      expect(await orders()).not.toContain('t-2');
      expect(typeof (await t.bus.dispatch(SendUniqueReceipt, { order: 't-2' }))).toBe('string');
      await t.work();
      expect(ran).toEqual(['unique:t-2']);
    });

    it('holds a savepoint\'s jobs for the outer commit, and drops those of a savepoint that rolls back', async () => {
      const afterSavepoints = await dataSource.transaction(async (manager) => {
        await manager.transaction(async (inner) => {
          await t.bus.dispatch(SendReceipt, { order: 'kept' }).afterCommit(inner);
        });
        await expect(
          manager.transaction(async (inner) => {
            await t.bus.dispatch(SendReceipt, { order: 'dropped' }).afterCommit(inner);
            throw new RollBack();
          }),
        ).rejects.toThrow(RollBack);
        await t.bus.dispatch(SendReceipt, { order: 'outer' }).afterCommit(manager);
        return t.queued();
      });
      expect(afterSavepoints).toBe(0);
      await t.work();
      expect(ran).toEqual(['kept', 'outer']);
    });

    it('refuses a manager whose transaction has ended', async () => {
      const ended = await dataSource.transaction(async (manager) => manager);
      await expect(t.bus.dispatch(SendReceipt, { order: 'late' }).afterCommit(ended)).rejects.toThrow(TransactionClosedError);
      expect(await t.queued()).toBe(0);
    });
  });
}
