import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { describeAtomicStoreContract } from './atomic-store.contract';

let database: TestDatabase | undefined;

describeAtomicStoreContract(
  'PostgreSQL',
  async () => {
    database = await createTestDatabase('pgsql');
    return { kind: 'database', name: 'pgsql', config: database.options };
  },
  async () => {
    await database?.drop();
  },
);
