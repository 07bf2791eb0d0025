import { Job, JobContext, Looping } from '../../lib';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { KnexConnections } from '../../lib/drivers/database/knex-connections';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { waitUntil } from '../support/test-redis';

const ran: number[] = [];

@Job()
class NotifiedJob {
  handle(data: { n: number }, _job: JobContext): void {
    ran.push(data.n);
  }
}

/** Sessions of this database waiting in LISTEN on a channel (PostgreSQL's own view of its listeners). */
async function listeners(connections: KnexConnections): Promise<number> {
  const { rows } = await connections
    .get('test')
    .knex.raw<{ rows: { n: string }[] }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`);
  return Number(rows[0].n);
}

describe('PostgreSQL LISTEN/NOTIFY wakes idle database workers', () => {
  let database: TestDatabase;
  let connections: KnexConnections;

  beforeAll(async () => {
    database = await createTestDatabase('pgsql');
    connections = new KnexConnections({ test: database.options });
  });
  afterAll(async () => {
    await connections?.closeAll();
    await database?.drop();
  });

  it('a wait of 10 minutes ends on the NOTIFY of a push from another connection, and only for a queue it waits on', async () => {
    const waiter = new DatabaseQueueDriver(connections.get('test'), { connectionName: 'db', table: 'jobs_notify', retryAfter: 60, blockFor: 600 });
    // Another pool: the push reaches the waiter only through the database.
    const other = new KnexConnections({ test: database.options });
    const pusher = new DatabaseQueueDriver(other.get('test'), { connectionName: 'db', table: 'jobs_notify', retryAfter: 60, blockFor: 600 });
    try {
      let ended = false;
      const waiting = waiter.waitForJobs(['mail'], 600).then(() => (ended = true));
      await waitUntil(async () => (await listeners(connections)) === 1, 'the waiter to LISTEN');
      await pusher.push('other-queue', '{"v":1,"uuid":"x","job":"J","data":{}}');
      await waitUntil(() => waiter.notificationsReceived === 1, 'the notification of the push to another queue');
      expect(ended).toBe(false);
      await pusher.push('mail', '{"v":1,"uuid":"y","job":"J","data":{}}');
      await waiting;
      expect(waiter.notificationsReceived).toBe(2);
      expect((await waiter.pop(['mail'], 1)).map((j) => j.queue)).toEqual(['mail']);
    } finally {
      await waiter.close();
      await pusher.close();
      await other.closeAll();
    }
  });

  it('a push notified after a reserve began that came back empty: the next wait ends at once, without reading the table', async () => {
    const waiter = new DatabaseQueueDriver(connections.get('test'), { connectionName: 'db', table: 'jobs_missed', retryAfter: 60, blockFor: 600 });
    const other = new KnexConnections({ test: database.options });
    const pusher = new DatabaseQueueDriver(other.get('test'), { connectionName: 'db', table: 'jobs_missed', retryAfter: 60, blockFor: 600 });
    try {
      await waiter.waitForJobs(['elsewhere'], 0.01); // LISTEN in place
      expect(await waiter.pop(['mail'], 1)).toEqual([]);
      // Between that reserve and the wait that follows it (where a worker is busy acking, or still reading): a push.
      await pusher.push('mail', '{"v":1,"uuid":"m","job":"J","data":{}}');
      await waitUntil(() => waiter.notificationsReceived === 1, 'the notification of the push');
      const rows = (waiter as unknown as { rows: { nextDue(queues: readonly string[]): Promise<number | null> } }).rows;
      const reads = jest.spyOn(rows, 'nextDue');
      await waiter.waitForJobs(['mail'], 600);
      expect(reads).not.toHaveBeenCalled();
      expect((await waiter.pop(['mail'], 1)).map((j) => j.queue)).toEqual(['mail']);
      // Nothing heard since that reserve: a wait reads the table and waits (here: for its 50 ms).
      await waiter.waitForJobs(['mail'], 0.05);
      expect(reads).toHaveBeenCalled();
    } finally {
      await waiter.close();
      await pusher.close();
      await other.closeAll();
    }
  });

  describe('a worker blocking for 10 minutes', () => {
    let t: QueueTestApp;
    beforeEach(async () => {
      ran.length = 0;
      t = await createQueueApp([NotifiedJob], {
        default: 'db',
        databases: { test: database.options },
        connections: { db: { driver: 'database', connection: 'test', table: 'jobs_worker', blockFor: 600 } },
      });
    });
    afterEach(() => t.close());

    it('runs a job dispatched while it waits, woken by the notification (its next poll is 10 minutes away)', async () => {
      let loops = 0;
      t.events.on(Looping, () => void loops++);
      const running = t.worker.run({ sleep: 600 });
      // The worker found nothing and waits in LISTEN.
      await waitUntil(async () => loops >= 1 && (await listeners(connections)) === 1, 'the worker to wait on LISTEN');
      await t.bus.dispatch(NotifiedJob, { n: 1 });
      await waitUntil(() => ran.length === 1, 'the job to run');
      await t.bus.dispatch(NotifiedJob, { n: 2 });
      await waitUntil(() => ran.length === 2, 'the second job to run');
      await t.worker.stop();
      await running;
      expect(ran).toEqual([1, 2]);
    });
  });
});
