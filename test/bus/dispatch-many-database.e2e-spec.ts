import { DispatchFailedError, Job, job } from '../../lib';
import type { QueueDriver } from '../../lib/drivers/queue-driver.interface';
import type { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';

@Job({ name: 'db-numbered' })
class DbNumbered {
  handle(_data: { n: number }): void {}
}

@Job({ name: 'db-unique', unique: { id: (d: { n: number }) => String(d.n) } })
class DbUnique {
  handle(_data: { n: number }): void {}
}

describe('dispatchMany on a database connection (SQLite)', () => {
  let database: TestDatabase;
  let t: QueueTestApp;
  let db: QueueDriver;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    t = await createQueueApp([DbNumbered, DbUnique], {
      databases: { test: database.options },
      connections: { db: { driver: 'database', connection: 'test', blockFor: null }, redis: { driver: 'redis', connection: 'queue' } },
    });
    db = t.manager.connection('db');
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    for (const q of ['default', 'other']) await db.clear(q);
    await t.close();
  });

  it("sends the connection's jobs, every queue and delay, in one pushAll, unique locks taken first", async () => {
    await t.bus.dispatch(DbUnique, { n: 2 }).onConnection('db');
    await db.clear('default');
    const pushAll = jest.spyOn(db as DatabaseQueueDriver, 'pushAll');

    const ids = await t.bus.dispatchMany([
      ...Array.from({ length: 500 }, (_, n) => job(DbNumbered, { n }).onConnection('db')),
      job(DbNumbered, { n: 1 }).onConnection('db').onQueue('other'),
      job(DbNumbered, { n: 9 }).onConnection('db').onQueue('other').delay(60),
      job(DbUnique, { n: 2 }).onConnection('db'),
      job(DbUnique, { n: 3 }).onConnection('db'),
    ]);

    expect(pushAll).toHaveBeenCalledTimes(1);
    const rows = pushAll.mock.calls[0][0];
    expect(rows).toHaveLength(503);
    expect(rows.filter((r) => r.queue === 'other').map((r) => r.delay)).toEqual([undefined, 60]);
    expect(ids.filter((id) => id === null)).toHaveLength(1);
    expect(ids[502]).toBeNull();
    expect(await db.size('default')).toBe(501);
    expect(await db.size('other')).toBe(2);
  });

  it('queues none of the connection\'s queues when its one statement is refused', async () => {
    jest.spyOn(db as DatabaseQueueDriver, 'pushAll').mockRejectedValueOnce(new Error('SQLITE_FULL: database or disk is full'));

    const error = await t.bus
      .dispatchMany([job(DbNumbered, { n: 1 }).onConnection('db'), job(DbNumbered, { n: 2 }).onConnection('db').onQueue('other').delay(5)])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DispatchFailedError);
    expect(await db.size('default')).toBe(0);
    expect(await db.size('other')).toBe(0);
  });

  it('takes back the Redis part of the call and frees the locks it took when the database refuses its part', async () => {
    jest.spyOn(db as DatabaseQueueDriver, 'pushAll').mockRejectedValueOnce(new Error('SQLITE_FULL: database or disk is full'));

    const error = await t.bus
      .dispatchMany([
        job(DbNumbered, { n: 1 }).onConnection('redis'),
        job(DbNumbered, { n: 2 }).onConnection('db'),
        job(DbUnique, { n: 3 }).onConnection('db'),
      ])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DispatchFailedError);
    expect(await t.manager.connection('redis').size('default')).toBe(0);
    expect(await db.size('default')).toBe(0);
    // The lock of the job that was not sent is free again: the job can be sent.
    expect(typeof (await t.bus.dispatch(DbUnique, { n: 3 }).onConnection('db'))).toBe('string');
  });
});
