import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { describeAtomicStoreContract } from './atomic-store.contract';

let database: TestDatabase | undefined;

describeAtomicStoreContract(
  'MariaDB',
  async () => {
    database = await createTestDatabase('mysql');
    return { kind: 'database', name: 'mysql', config: database.options };
  },
  async () => {
    await database?.drop();
  },
);
