import type { Knex } from 'knex';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { KnexConnections } from '../../lib/drivers/database/knex-connections';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';

const payload = (label: string) => `{"v":1,"uuid":"${label}","job":"J","data":{}}`;

describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['pgsql', 'PostgreSQL'],
  ['mysql', 'MariaDB'],
])('pushWithin: a job row written by the caller\'s own transaction (%s)', (kind, label) => {
  let database: TestDatabase;
  let queueSide: KnexConnections;
  let appSide: KnexConnections;
  let driver: DatabaseQueueDriver;
  let app: Knex;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    queueSide = new KnexConnections({ test: database.options });
    // The app's own pool, as an ORM would hold it: the transaction is not on the driver's connections.
    appSide = new KnexConnections({ test: database.options });
    driver = new DatabaseQueueDriver(queueSide.get('test'), { connectionName: 'db', table: 'jobs', retryAfter: 60, blockFor: null });
    app = appSide.get('test').knex;
    await driver.setup();
    await app.schema.createTable('orders', (t) => t.integer('id'));
  });
  afterAll(async () => {
    await driver?.close();
    await queueSide?.closeAll();
    await appSide?.closeAll();
    await database?.drop();
  });
  afterEach(() => driver.clear('outbox'));

  const executeOn = (trx: Knex.Transaction) => (sql: string, bindings: readonly unknown[]) => trx.raw(sql, bindings as Knex.RawBinding[]);

  it(`${label}: the row is unseen by the queue until the transaction commits, then taken with the business row`, async () => {
    const trx = await app.transaction();
    await trx('orders').insert({ id: 1 });
    await driver.pushWithin(executeOn(trx), 'outbox', payload('committed'));
    if (kind !== 'sqlite') expect(await driver.size('outbox')).toBe(0); // SQLite's one writer: no second connection reads mid-write here
    await trx.commit();
    expect(await driver.sizes('outbox')).toEqual({ ready: 1, delayed: 0, reserved: 0 });
    const [job] = await driver.pop(['outbox'], 1);
    expect(job.raw).toBe('{"v":1,"attempts":1,"uuid":"committed","job":"J","data":{}}');
  });

  it(`${label}: a rollback leaves no job, and a delay is kept`, async () => {
    const rolled = await app.transaction();
    await driver.pushWithin(executeOn(rolled), 'outbox', payload('rolled-back'));
    await rolled.rollback();
    expect(await driver.size('outbox')).toBe(0);

    await app.transaction(async (trx) => driver.pushWithin(executeOn(trx), 'outbox', payload('later'), 60));
    expect(await driver.sizes('outbox')).toEqual({ ready: 0, delayed: 1, reserved: 0 });
  });

  if (kind === 'pgsql') {
    it('PostgreSQL: its NOTIFY reaches a waiting worker when the transaction commits', async () => {
      // LISTEN in place first (a wait on another queue opens it), so the commit's NOTIFY cannot come before it.
      await driver.waitForJobs(['elsewhere'], 0.01);
      const waiting = driver.waitForJobs(['outbox'], 600);
      const trx = await app.transaction();
      await driver.pushWithin(executeOn(trx), 'outbox', payload('notified'));
      const before = driver.notificationsReceived;
      await trx.commit();
      await waiting;
      expect(driver.notificationsReceived).toBe(before + 1);
    });
  }
});
