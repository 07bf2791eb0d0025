import { DataSource, EntityManager } from 'typeorm';
import { createTestDatabase, SqlKind } from '../../support/sql-databases';
import type { ClsHarness } from './cls-after-commit.suite';
import { clsTypeOrm, transactionHost, typeOrmOptions } from './transaction-apps';

/** The TypeORM adapter on a test database of its own; a second DataSource reads what others see. */
export async function typeOrmHarness(kind: SqlKind): Promise<ClsHarness> {
  const db = await createTestDatabase(kind);
  const options = typeOrmOptions(db);
  const reader = await new DataSource(options).initialize();
  const placeholder = kind === 'pgsql' ? '$1' : '?';
  return {
    imports: () => clsTypeOrm(options),
    setup: async () => {
      await reader.query('CREATE TABLE orders (name varchar(64) NOT NULL)');
    },
    insertOrder: async (t, name) => {
      const manager = transactionHost(t).tx as unknown as EntityManager;
      await manager.query(`INSERT INTO orders (name) VALUES (${placeholder})`, [name]);
    },
    orders: async () => ((await reader.query('SELECT name FROM orders')) as { name: string }[]).map((r) => r.name),
    close: async () => {
      await reader.destroy();
      await db.drop();
    },
  };
}
