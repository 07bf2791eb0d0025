import knexFactory, { Knex } from 'knex';
import { createTestDatabase } from '../support/sql-databases';
import { clsAfterCommitSuite } from './support/cls-after-commit.suite';
import { clsCustomAdapter, transactionHost } from './support/transaction-apps';

// An adapter written against @nestjs-cls/transactional's public TransactionalAdapter interface (over knex, on SQLite).
clsAfterCommitSuite('a custom TransactionalAdapter', async () => {
  const db = await createTestDatabase('sqlite');
  const knex = knexFactory(db.options as Knex.Config);
  const reader = knexFactory(db.options as Knex.Config);
  return {
    imports: () => clsCustomAdapter(knex),
    setup: async () => {
      await knex.schema.createTable('orders', (table) => table.string('name', 64).notNullable());
    },
    insertOrder: async (t, name) => {
      await (transactionHost(t).tx as unknown as Knex)('orders').insert({ name });
    },
    orders: async () => (await reader('orders').select('name')).map((r: { name: string }) => r.name),
    close: async () => {
      await knex.destroy();
      await reader.destroy();
      await db.drop();
    },
  };
}, { independentTransactions: false });
