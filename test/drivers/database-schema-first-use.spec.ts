import type { Knex } from 'knex';
import type { DatabaseOptions } from '../../lib/config/queue-options.interface';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { KnexConnections } from '../../lib/drivers/database/knex-connections';
import { jobsTableExists } from '../../lib/drivers/database/jobs-table';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';

const payload = (label: string) => `{"v":1,"uuid":"${label}","job":"J","data":{}}`;

/**
 * The options of a second pool on the same database whose lock waits end in an error instead of waiting on
 * (PostgreSQL: lock_timeout; SQLite: its busy timeout, the driver's own 10 s): a schema step that waits on the open
 * transaction below fails the test instead of hanging it.
 */
function impatient(options: DatabaseOptions, kind: SqlKind): DatabaseOptions {
  if (kind !== 'pgsql') return options;
  return { ...options, connection: { connectionString: String(options.connection), options: '-c lock_timeout=3000' } };
}

describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['pgsql', 'PostgreSQL'],
  ['mysql', 'MariaDB'],
])('The jobs table on first use, with a transaction open on it (%s)', (kind, label) => {
  let database: TestDatabase;
  const pools: KnexConnections[] = [];
  const drivers: DatabaseQueueDriver[] = [];
  let app: Knex;

  const driverOn = (options: DatabaseOptions) => {
    const pool = new KnexConnections({ test: options });
    pools.push(pool);
    const driver = new DatabaseQueueDriver(pool.get('test'), { connectionName: 'db', table: 'jobs', retryAfter: 60, blockFor: null });
    drivers.push(driver);
    return driver;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const appPool = new KnexConnections({ test: database.options });
    pools.push(appPool);
    app = appPool.get('test').knex;
  });
  afterAll(async () => {
    for (const d of drivers) await d.close();
    for (const p of pools) await p.closeAll();
    await database?.drop();
  });

  const executeOn = (trx: Knex.Transaction) => (sql: string, bindings: readonly unknown[]) => trx.raw(sql, bindings as Knex.RawBinding[]);

  it(`${label}: a new driver's first dispatch inside a transaction that already wrote a job row does not wait on that transaction`, async () => {
    const first = driverOn(database.options);
    await first.setup();
    expect(await jobsTableExists(pools[pools.length - 1].get('test'), 'jobs')).toBe(true);

    const trx = await app.transaction();
    try {
      await first.pushWithin(executeOn(trx), 'orders', payload('one'));
      // Another process (a pool of its own), using the table for the first time while the transaction holds it.
      const fresh = driverOn(impatient(database.options, kind));
      await fresh.pushWithin(executeOn(trx), 'orders', payload('two'));
      await trx.commit();
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
    expect(await first.size('orders')).toBe(2);
  });

  it(`${label}: a missing table is created on first use, index included`, async () => {
    const driver = new DatabaseQueueDriver(pools[0].get('test'), { connectionName: 'db', table: 'jobs_fresh', retryAfter: 60, blockFor: null });
    drivers.push(driver);
    expect(await jobsTableExists(pools[0].get('test'), 'jobs_fresh')).toBe(false);
    await driver.push('q', payload('made'));
    expect(await jobsTableExists(pools[0].get('test'), 'jobs_fresh')).toBe(true);
    expect(await driver.size('q')).toBe(1);
  });
});
