import { Job, JobContext } from '../../lib';
import type { QueueDriver } from '../../lib/drivers/queue-driver.interface';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { waitUntil } from '../support/test-redis';

/** What happened, in order: the waits of the worker's driver, the sends, the handler calls. */
const log: string[] = [];
const ran: { n: number; attempts: number; at: number }[] = [];

@Job()
class DelayedNote {
  handle(data: { n: number }, job: JobContext): void {
    ran.push({ n: data.n, attempts: job.attempts, at: Date.now() });
    log.push(`ran ${data.n}`);
  }
}

/** One waitForDue of the worker's driver: how long it was asked to last (s), and whether it has returned. */
interface Sleep {
  seconds: number;
  ended: boolean;
}

/** Records the sleeps (waitForDue) of the drivers the worker makes, in `log` too (the spy wraps createDriver). */
function observeSleeps(t: QueueTestApp): Sleep[] {
  const sleeps: Sleep[] = [];
  const create = t.manager.createDriver.bind(t.manager);
  jest.spyOn(t.manager, 'createDriver').mockImplementation((...args: Parameters<typeof create>) => {
    const driver: QueueDriver = create(...args);
    const original = driver.waitForDue?.bind(driver);
    if (original) {
      driver.waitForDue = async (queues: readonly string[], seconds: number) => {
        const sleep: Sleep = { seconds, ended: false };
        sleeps.push(sleep);
        log.push(`sleep ${Math.round(seconds)} s`);
        try {
          await original(queues, seconds);
        } finally {
          sleep.ended = true;
          log.push('sleep ended');
        }
      };
    }
    return driver;
  });
  return sleeps;
}

describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['mysql', 'MariaDB'],
  ['pgsql', 'PostgreSQL'],
])('a sleeping worker on a database connection and delayed jobs (%s)', (kind, label) => {
  let database: TestDatabase;
  let t: QueueTestApp;
  let sleeps: Sleep[];
  const config = () => ({
    default: 'db',
    databases: { test: database.options },
    // No blockFor: an idle worker sleeps (60 s in these tests: one that slept it out could not pass in time).
    connections: { db: { driver: 'database' as const, connection: 'test', retryAfter: 90, blockFor: null } },
  });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    log.length = 0;
    ran.length = 0;
    t = await createQueueApp([DelayedNote], config());
    sleeps = observeSleeps(t);
  });
  afterEach(async () => {
    await t.worker.stop();
    await t.manager.connection('db').clear('default');
    await t.close();
  });

  /** Starts a worker (sleep 60) on the empty queue; resolves once it is in its sleep of 60 s, to its run. */
  async function sleepingWorker(): Promise<{ run: Promise<string> }> {
    const run = t.worker.run({ sleep: 60, blockFor: null, tries: 3 });
    await waitUntil(() => sleeps.some((s) => s.seconds > 59 && !s.ended), 'the worker to sleep 60 s', 20000);
    return { run };
  }

  it(`${label}: a job delayed 1 s while the worker sleeps 60 s is taken at its due time, the sleep ended by it`, async () => {
    const { run } = await sleepingWorker();
    const sentAt = Date.now();
    log.push('sent');
    await t.bus.dispatch(DelayedNote, { n: 1 }).delay(1);
    await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
    expect(ran[0].at).toBeGreaterThanOrEqual(sentAt + 1000);
    // The 60 s sleep it was in when the job was sent ended, and only then did the job run (one slot: it could not
    // have run during the sleep).
    expect(log.slice(0, 4)).toEqual(['sleep 60 s', 'sent', 'sleep ended', 'ran 1']);
    t.worker.stop();
    expect(await run).toBe('stopped');
  });

  it(`${label}: a job delayed by another process (a knex of its own, no wake-up in this one) ends the sleep by its due time`, async () => {
    const other = await createQueueApp([DelayedNote], config());
    try {
      const { run } = await sleepingWorker();
      log.push('sent');
      await other.bus.dispatch(DelayedNote, { n: 2 }).delay(1);
      await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
      expect(log.slice(0, 4)).toEqual(['sleep 60 s', 'sent', 'sleep ended', 'ran 2']);
      t.worker.stop();
      expect(await run).toBe('stopped');
    } finally {
      await other.close();
    }
  });

  it(`${label}: a job released with a delay while the worker sleeps 60 s is taken again at its due time`, async () => {
    await t.bus.dispatch(DelayedNote, { n: 3 });
    const driver = t.manager.createDriver('db');
    try {
      const [job] = await driver.pop(['default'], 1);
      const { run } = await sleepingWorker();
      log.push('released');
      expect(await driver.release(job, 0.5)).toBe(true);
      await waitUntil(() => ran.length === 1, 'the released job to run', 20000);
      expect(ran[0]).toMatchObject({ n: 3, attempts: 2 });
      expect(log.slice(0, 4)).toEqual(['sleep 60 s', 'released', 'sleep ended', 'ran 3']);
      t.worker.stop();
      expect(await run).toBe('stopped');
    } finally {
      await driver.close();
    }
  });

  it(`${label}: what a sleeper waits for is the earliest job not available at its push: a delay, a release, a lease; never a ready job`, async () => {
    const driver = t.manager.createDriver('db') as DatabaseQueueDriver;
    const due = () => (driver as unknown as { rows: { nextDelayedDue(q: readonly string[]): Promise<number | null> } }).rows.nextDelayedDue(['default', 'other']);
    try {
      await driver.push('default', '{"v":1,"job":"ready","data":{}}');
      expect(await due()).toBeNull();
      const before = Date.now();
      await driver.later('other', '{"v":1,"job":"later","data":{}}', 30);
      const after = Date.now();
      const delayed = (await due()) as number;
      expect(delayed).toBeGreaterThanOrEqual(before + 30_000);
      expect(delayed).toBeLessThanOrEqual(after + 30_000);
      // The ready job reserved: its lease (90 s) is later than the delay, which stays the earliest.
      const [job] = await driver.pop(['default'], 1);
      expect(await due()).toBe(delayed);
      // Released for 5 s: now the earliest.
      const releasedAt = Date.now();
      expect(await driver.release(job, 5)).toBe(true);
      expect((await due()) as number).toBeGreaterThanOrEqual(releasedAt + 5000);
      expect((await due()) as number).toBeLessThan(delayed);
    } finally {
      await driver.clear('other');
      await driver.close();
    }
  });
});

describe('a PostgreSQL worker waiting on LISTEN and delayed jobs', () => {
  let database: TestDatabase;
  let t: QueueTestApp;

  beforeAll(async () => {
    database = await createTestDatabase('pgsql');
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    log.length = 0;
    ran.length = 0;
    t = await createQueueApp([DelayedNote], {
      default: 'db',
      databases: { test: database.options },
      connections: { db: { driver: 'database', connection: 'test', retryAfter: 90, blockFor: 60 } },
    });
  });
  afterEach(async () => {
    await t.worker.stop();
    await t.close();
  });

  it('a job delayed 1 s while it waits 60 s: the NOTIFY ends the wait, the reserve that finds nothing says when it is due, and the next wait ends then without reading the table', async () => {
    const waits: { seconds: number; ended: boolean; tableReads: number }[] = [];
    let tableReads = 0;
    const create = t.manager.createDriver.bind(t.manager);
    jest.spyOn(t.manager, 'createDriver').mockImplementation((...args: Parameters<typeof create>) => {
      const driver = create(...args) as DatabaseQueueDriver;
      const rows = (driver as unknown as { rows: { nextDue(q: readonly string[]): Promise<number | null> } }).rows;
      const nextDue = rows.nextDue.bind(rows);
      rows.nextDue = async (queues) => {
        const due = await nextDue(queues);
        tableReads++;
        return due;
      };
      const original = driver.waitForJobs.bind(driver);
      driver.waitForJobs = async (queues, seconds) => {
        const wait = { seconds, ended: false, tableReads };
        waits.push(wait);
        log.push(`wait ${Math.round(seconds)} s`);
        try {
          await original(queues, seconds);
        } finally {
          wait.ended = true;
          wait.tableReads = tableReads - wait.tableReads;
          log.push('wait ended');
        }
      };
      return driver;
    });
    const run = t.worker.run({ sleep: 60 });
    // In its wait of 60 s, LISTENing, past its read of the table (the job sent next is news to it).
    const idle = () => waits.some((w) => w.seconds > 59 && !w.ended && tableReads > w.tableReads);
    await waitUntil(idle, 'the worker to wait 60 s on LISTEN, the table read', 20000);
    const sentAt = Date.now();
    log.push('sent');
    await t.bus.dispatch(DelayedNote, { n: 4 }).delay(1);
    await waitUntil(() => ran.length === 1, 'the delayed job to run', 20000);
    expect(ran[0].at).toBeGreaterThanOrEqual(sentAt + 1000);
    expect(log.slice(0, 6)).toEqual(['wait 60 s', 'sent', 'wait ended', 'wait 1 s', 'wait ended', 'ran 4']);
    // The wait of about 1 s knew the due time from the reserve before it, and read nothing.
    expect(waits[1].seconds).toBeLessThanOrEqual(1);
    expect(waits[1].tableReads).toBe(0);
    t.worker.stop();
    expect(await run).toBe('stopped');
  });
});
