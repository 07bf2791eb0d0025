import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { sleep, waitUntil } from '../support/test-redis';
import { DatabaseWorkerProcess, startDatabaseWorker } from './database-worker-fixture/database-worker-process';

/** The sending side of the fixture's blocking job (the worker processes hold the real handler). */
@Job({ name: 'blocking', tries: 2, timeout: 1 })
class BlockingJob {
  handle(_data: { ms: number; blockingAttempts?: number }): void {}
}

/** Seconds: a reservation lapses this long after its last extension. */
const RETRY_AFTER = 2;
/** The handler holds the event loop this long: far past its timeout (1 s) + grace (2 s), and past retryAfter. */
const BLOCK_MS = 30000;

/**
 * A handler that blocks the event loop defeats the timeout timer and the heartbeat of the loop: without a watchdog
 * on a database connection, the reservation lapsed after retryAfter while the job still ran, another worker took
 * it, and the job ran twice at once. The watchdog thread, with a database connection of its own, keeps the
 * reservation and ends the blocked process; the job then comes back after retryAfter.
 */
describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['pgsql', 'PostgreSQL'],
  ['mysql', 'MariaDB'],
])('the watchdog on a database connection: a handler that blocks the event loop (%s)', (kind, label) => {
  let database: TestDatabase;
  let t: QueueTestApp;
  const workers: DatabaseWorkerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    t = await createQueueApp([BlockingJob], {
      default: 'db',
      databases: { test: database.options },
      connections: { db: { driver: 'database', connection: 'test', retryAfter: RETRY_AFTER } },
      failed: { driver: 'database', database: 'test' },
    });
    await t.manager.connection('db').clear('default');
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await t.close();
  });

  /** The runs the workers printed, in the order they started. */
  const started = () =>
    workers
      .flatMap((w) => w.lines(/^started /))
      .map((line) => {
        const [, id, attempt, pid, at] = /^started (\S+) attempt=(\d+) pid=(\d+) at=(\d+)/.exec(line) as RegExpExecArray;
        return { id, attempt: Number(attempt), pid: Number(pid), at: Number(at) };
      })
      .sort((a, b) => a.at - b.at);

  it(`${label}: two workers, tries 2: the blocked worker is ended (exit code 1), and the job runs again once, after it is gone`, async () => {
    const start = () => startDatabaseWorker(database.options, { retryAfter: RETRY_AFTER, worker: { sleep: 0.1, memory: 0 } });
    workers.push(...(await Promise.all([start(), start()])));
    const exits = new Map(workers.map((w) => [w.pid, w.exited]));
    const id = (await t.bus.dispatch(BlockingJob, { ms: BLOCK_MS, blockingAttempts: 1 })) as string;

    await waitUntil(async () => started().length >= 1, 'the first run to start', 20000);
    const blocked = workers.find((w) => w.pid === started()[0].pid) as DatabaseWorkerProcess;
    const other = workers.find((w) => w !== blocked) as DatabaseWorkerProcess;

    await waitUntil(async () => started().length >= 2, 'the job to run again', 30000);
    await waitUntil(async () => other.lines(/^done /).length >= 1, 'the second run to complete', 20000);
    await sleep(RETRY_AFTER * 1000 + 1000); // room for a third run, if the reservation were lost again

    const blockedExit = await exits.get(blocked.pid);
    expect(blockedExit?.code).toBe(1);
    expect(blocked.output).toMatch(/nestjs-queue watchdog: a default job has run [\d.]+ s, past its timeout and grace/);
    // Never two runs at once: the blocked handler's last sign of life (it prints while it spins) is before the
    // second run started (both stamped by Date.now() on this machine; the exit itself may be seen later under load).
    const lastRunning = Math.max(...blocked.lines(/^running /).map((line) => Number(/at=(\d+)/.exec(line)?.[1])));
    expect(Number.isFinite(lastRunning)).toBe(true);
    expect(lastRunning).toBeLessThan(started()[1].at);
    expect(started().map((s) => [s.id, s.pid, s.attempt])).toEqual([
      [id, blocked.pid, 1],
      [id, other.pid, 2],
    ]);
    expect(other.lines(/^done /)).toEqual([`done ${id}`]);
    expect(await t.failed.all()).toEqual([]);
    expect(await t.manager.connection('db').sizes('default')).toEqual({ ready: 0, delayed: 0, reserved: 0 });
    expect(other.running).toBe(true);
  }, 120000);
});
