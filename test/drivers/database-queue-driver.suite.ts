import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { KnexConnections } from '../../lib/drivers/database/knex-connections';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { describeQueueDriverContract } from './queue-driver.contract';

/** A jobs table per contract prefix, so each case starts empty: `nq-test:driver:abcd1234:` → `jobs_abcd1234`. */
export const tableOf = (prefix: string): string => `jobs_${prefix.replace(/[^a-z0-9]+/gi, '_').replace(/^_+|_+$/g, '').toLowerCase()}`;

/** The QueueDriver contract on a database of its own of the given kind (its tables dropped with it after the file). */
export function describeDatabaseQueueDriverContract(kind: SqlKind, label: string): void {
  let database: TestDatabase;
  let connections: KnexConnections;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    connections = new KnexConnections({ test: database.options });
  });

  afterAll(async () => {
    await connections?.closeAll();
    await database?.drop();
  });

  describeQueueDriverContract(
    label,
    async ({ retryAfter, prefix }) =>
      new DatabaseQueueDriver(connections.get('test'), { connectionName: 'database', table: tableOf(prefix), retryAfter, blockFor: null }),
    { high: 'high', low: 'low', other: 'other' },
  );
}
