import { Job, JobContext } from '../../lib';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { sleep } from '../support/test-redis';

const ran: { queue: string; n: number; attempts: number }[] = [];
let running = 0;
let maxRunning = 0;

@Job()
class DbRecordRun {
  async handle(data: { n: number; ms?: number }, job: JobContext): Promise<void> {
    running++;
    maxRunning = Math.max(maxRunning, running);
    ran.push({ queue: job.queue, n: data.n, attempts: job.attempts });
    if (data.ms) await sleep(data.ms);
    running--;
  }
}

@Job({ tries: 3, backoff: [0.2, 0.2] })
class DbFailsTwice {
  async handle(data: { n: number }, job: JobContext): Promise<void> {
    ran.push({ queue: job.queue, n: data.n, attempts: job.attempts });
    if (job.attempts < 3) throw new Error(`attempt ${job.attempts} fails`);
  }
}

describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['pgsql', 'PostgreSQL'],
  ['mysql', 'MariaDB'],
])('the worker loop on a database connection (%s)', (kind, label) => {
  let database: TestDatabase;
  let t: QueueTestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  beforeEach(async () => {
    ran.length = 0;
    running = 0;
    maxRunning = 0;
    t = await createQueueApp([DbRecordRun, DbFailsTwice], {
      default: 'db',
      databases: { test: database.options },
      connections: { db: { driver: 'database', connection: 'test', retryAfter: 1, blockFor: null } },
    });
  });
  afterEach(async () => {
    await t.manager.connection('db').clear('default');
    for (const q of ['high', 'low']) await t.manager.connection('db').clear(q);
    await t.close();
  });

  it(`${label}: serves queues strictly in the order given, whatever order jobs arrived in`, async () => {
    await t.bus.dispatch(DbRecordRun, { n: 1 }).onQueue('low');
    await t.bus.dispatch(DbRecordRun, { n: 2 }).onQueue('default');
    await t.bus.dispatch(DbRecordRun, { n: 3 }).onQueue('high');
    await t.bus.dispatch(DbRecordRun, { n: 4 }).onQueue('low');
    await t.bus.dispatch(DbRecordRun, { n: 5 }).onQueue('high');
    await t.worker.run({ queue: 'high,default,low', stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => [r.queue, r.n])).toEqual([['high', 3], ['high', 5], ['default', 2], ['low', 1], ['low', 4]]);
    expect(await t.manager.connection('db').size('high')).toBe(0);
  });

  it(`${label}: a delayed job waits for its delay; a failing job is released with its backoff and retried with attempts raised`, async () => {
    await t.bus.dispatch(DbRecordRun, { n: 1 }).delay(60);
    await t.bus.dispatch(DbFailsTwice, { n: 2 });
    await t.worker.run({ stopWhenEmpty: true, sleep: 0.05, maxTime: 20 }).then(async () => {
      // stopWhenEmpty stops once nothing is ready: the failing job may still be waiting out its backoff.
      while (ran.filter((r) => r.n === 2).length < 3) await t.worker.run({ stopWhenEmpty: true, sleep: 0.05, maxTime: 20 });
    });
    expect(ran.filter((r) => r.n === 2).map((r) => r.attempts)).toEqual([1, 2, 3]);
    expect(ran.some((r) => r.n === 1)).toBe(false);
    expect(await t.manager.connection('db').sizes('default')).toEqual({ ready: 0, delayed: 1, reserved: 0 });
  });

  it(`${label}: keeps up to concurrency jobs in hand and runs each job once`, async () => {
    for (let n = 0; n < 8; n++) await t.bus.dispatch(DbRecordRun, { n, ms: 150 });
    await t.worker.run({ concurrency: 4, stopWhenEmpty: true, sleep: 0 });
    expect(ran.map((r) => r.n).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxRunning).toBe(4);
    expect(ran.every((r) => r.attempts === 1)).toBe(true);
  });

  it(`${label}: the heartbeat keeps a job longer than retryAfter from being handed to another worker`, async () => {
    await t.bus.dispatch(DbRecordRun, { n: 1, ms: 3000 });
    // A second worker polls all along: it would take the job again if its reservation (retryAfter 1 s) lapsed.
    const first = t.worker.run({ once: true, sleep: 0 });
    await sleep(100);
    const second = t.worker.run({ sleep: 0.1, maxTime: 4 });
    await Promise.all([first, second]);
    expect(ran.map((r) => [r.n, r.attempts])).toEqual([[1, 1]]);
    expect(await t.manager.connection('db').size('default')).toBe(0);
  });

  it(`${label}: the worker's driver is the database driver, on the named database`, () => {
    const driver = t.manager.connection('db');
    expect(driver).toBeInstanceOf(DatabaseQueueDriver);
    expect((driver as DatabaseQueueDriver).database).toBe('test');
    expect((driver as DatabaseQueueDriver).dialect).toBe(kind === 'pgsql' ? 'pg' : kind);
  });
});
