import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { describeAtomicStoreContract } from './atomic-store.contract';

let database: TestDatabase | undefined;

describeAtomicStoreContract(
  'SQLite',
  async () => {
    database = await createTestDatabase('sqlite');
    return { kind: 'database', name: 'sqlite', config: database.options };
  },
  async () => {
    await database?.drop();
  },
);
