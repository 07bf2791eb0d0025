import type { Knex } from 'knex';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { KnexConnections } from '../../lib/drivers/database/knex-connections';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';

const payload = (label: string | number, pad = '') => `{"v":1,"uuid":"${label}","job":"J","data":{"pad":"${pad}"}}`;
const labelOf = (raw: string) => (JSON.parse(raw) as { uuid: string }).uuid;

/** More jobs than one multi-row INSERT may hold on SQLite (8191 rows) and MySQL (16383), and than PG binds by VALUES (16383). */
const MANY = 20_000;

describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['pgsql', 'PostgreSQL'],
  ['mysql', 'MariaDB'],
])('pushAll: the jobs of one call queued all or none (%s)', (kind, label) => {
  let database: TestDatabase;
  let pools: KnexConnections;
  let appPools: KnexConnections;
  let driver: DatabaseQueueDriver;
  let app: Knex;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    pools = new KnexConnections({ test: database.options });
    appPools = new KnexConnections({ test: database.options });
    driver = new DatabaseQueueDriver(pools.get('test'), { connectionName: 'db', table: 'jobs', retryAfter: 60, blockFor: null });
    app = appPools.get('test').knex;
    await driver.setup();
  });
  afterAll(async () => {
    await driver?.close();
    await pools?.closeAll();
    await appPools?.closeAll();
    await database?.drop();
  });
  afterEach(async () => {
    for (const q of ['a', 'b', 'c']) await driver.clear(q);
  });

  const executeOn = (trx: Knex.Transaction) => (sql: string, bindings: readonly unknown[]) => trx.raw(sql, bindings as Knex.RawBinding[]);

  it(`${label}: ${MANY.toLocaleString('en-US')} jobs over several queues and delays in one call, each queue first in first out`, async () => {
    const jobs: { queue: string; payload: string; delay?: number }[] = Array.from({ length: MANY }, (_, i) => ({ queue: i % 2 ? 'a' : 'b', payload: payload(i) }));
    jobs.push({ queue: 'c', payload: payload('later'), delay: 60 }, { queue: 'c', payload: payload('now') });
    await driver.pushAll(jobs);
    expect(await driver.sizes('a')).toEqual({ ready: MANY / 2, delayed: 0, reserved: 0 });
    expect(await driver.sizes('b')).toEqual({ ready: MANY / 2, delayed: 0, reserved: 0 });
    expect(await driver.sizes('c')).toEqual({ ready: 1, delayed: 1, reserved: 0 });
    const firstA = await driver.pop(['a'], 3);
    expect(firstA.map((j) => labelOf(j.raw))).toEqual(['1', '3', '5']);
    const firstB = await driver.pop(['b'], 2);
    expect(firstB.map((j) => labelOf(j.raw))).toEqual(['0', '2']);
    expect((await driver.pop(['c'], 2)).map((j) => labelOf(j.raw))).toEqual(['now']);
  });

  it(`${label}: a call whose last row is refused queues none of its ${MANY.toLocaleString('en-US')} jobs`, async () => {
    const jobs = Array.from({ length: MANY }, (_, i) => ({ queue: i % 2 ? 'a' : 'b', payload: payload(i) }));
    // NOT NULL payload: the database refuses the last row, in the last statement of the call.
    jobs.push({ queue: 'c', payload: null as unknown as string });
    await expect(driver.pushAll(jobs)).rejects.toThrow();
    for (const q of ['a', 'b', 'c']) expect(await driver.size(q)).toBe(0);
  });

  it(`${label}: 24 MiB of payloads in one call (over MariaDB's 16 MiB max_allowed_packet for one statement) are queued in order`, async () => {
    const pad = 'x'.repeat(400_000);
    const jobs = Array.from({ length: 60 }, (_, i) => ({ queue: 'a', payload: payload(i, pad) }));
    await driver.pushAll(jobs);
    expect(await driver.size('a')).toBe(60);
    const [first] = await driver.pop(['a'], 1);
    expect(labelOf(first.raw)).toBe('0');
  });

  it(`${label}: through the caller's transaction: none before the commit or after a rollback, all after the commit`, async () => {
    const jobs = Array.from({ length: MANY }, (_, i) => ({ queue: i % 2 ? 'a' : 'b', payload: payload(i) }));
    const rolled = await app.transaction();
    await driver.pushAllWithin(executeOn(rolled), jobs);
    await rolled.rollback();
    expect((await driver.size('a')) + (await driver.size('b'))).toBe(0);

    const trx = await app.transaction();
    await driver.pushAllWithin(executeOn(trx), jobs);
    if (kind !== 'sqlite') expect(await driver.size('a')).toBe(0); // SQLite: one writer, no second connection reads mid-write here
    await trx.commit();
    expect(await driver.size('a')).toBe(MANY / 2);
    expect(await driver.size('b')).toBe(MANY / 2);
    expect((await driver.pop(['b'], 2)).map((j) => labelOf(j.raw))).toEqual(['0', '2']);
  });

  it(`${label}: through the caller's transaction, a call whose last row is refused leaves none of its rows, and the transaction goes on`, async () => {
    const jobs = Array.from({ length: MANY }, (_, i) => ({ queue: 'a', payload: payload(i) }));
    jobs.push({ queue: 'a', payload: null as unknown as string });
    const trx = await app.transaction();
    await expect(driver.pushAllWithin(executeOn(trx), jobs)).rejects.toThrow();
    await driver.pushAllWithin(executeOn(trx), [{ queue: 'b', payload: payload('kept') }]);
    await trx.commit();
    expect(await driver.size('a')).toBe(0);
    expect((await driver.pop(['b'], 2)).map((j) => labelOf(j.raw))).toEqual(['kept']);
  });

  if (kind === 'pgsql') {
    it('PostgreSQL: one call wakes the workers waiting on each of its queues', async () => {
      await driver.waitForJobs(['elsewhere'], 0.01); // LISTEN in place first
      const before = driver.notificationsReceived;
      const onA = driver.waitForJobs(['a'], 600);
      const onB = driver.waitForJobs(['b'], 600);
      await driver.pushAll([{ queue: 'a', payload: payload(1) }, { queue: 'b', payload: payload(2) }, { queue: 'a', payload: payload(3) }]);
      await Promise.all([onA, onB]);
      expect(driver.notificationsReceived).toBe(before + 2);
    });
  }
});
