import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { waitUntil } from '../support/test-redis';
import { DatabaseWorkerProcess, startDatabaseWorker } from './database-worker-fixture/database-worker-process';

/** The sending side of the fixture's jobs (the worker processes hold the real handlers). */
@Job({ name: 'record' })
class RecordJob {
  handle(_data: { ms?: number }): void {}
}
@Job({ name: 'gated', tries: 5, timeout: 120 })
class GatedJob {
  handle(_data: { gate: string }): void {}
}

const RETRY_AFTER = 2;

describe.each<[SqlKind, string]>([
  ['sqlite', 'SQLite'],
  ['pgsql', 'PostgreSQL'],
  ['mysql', 'MariaDB'],
])('database queue across worker processes (%s)', (kind, label) => {
  let database: TestDatabase;
  let t: QueueTestApp;
  const workers: DatabaseWorkerProcess[] = [];
  let gates: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    gates = mkdtempSync(join(tmpdir(), 'nq-gates-'));
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(gates, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await createQueueApp([RecordJob, GatedJob], {
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

  it(`${label}: two worker processes at concurrency 10 take 1,000 jobs, each exactly once`, async () => {
    const start = () => startDatabaseWorker(database.options, { retryAfter: 30, worker: { concurrency: 10, sleep: 0.05, memory: 0 } });
    const [a, b] = await Promise.all([start(), start()]);
    workers.push(a, b);
    const ids = (await Promise.all(Array.from({ length: 1000 }, () => t.bus.dispatch(RecordJob, { ms: 5 })))) as string[];
    const ranLines = () => [...a.lines(/^ran /), ...b.lines(/^ran /)];
    await waitUntil(async () => ranLines().length >= 1000 && (await t.manager.connection('db').size('default')) === 0, 'the two workers to run 1,000 jobs', 120000);
    await Promise.all([a.stop(), b.stop()]);

    const runs = ranLines().map((line) => /^ran (\S+) attempt=(\d+)$/.exec(line) as RegExpExecArray);
    expect(runs).toHaveLength(1000);
    expect(new Set(runs.map((m) => m[1]))).toEqual(new Set(ids));
    expect(runs.every((m) => m[2] === '1')).toBe(true);
    // Both processes took part (each ran some of the jobs), and no job is left.
    expect(a.lines(/^ran /).length).toBeGreaterThan(0);
    expect(b.lines(/^ran /).length).toBeGreaterThan(0);
    expect(await t.manager.connection('db').sizes('default')).toEqual({ ready: 0, delayed: 0, reserved: 0 });
  }, 180000);

  it(`${label}: the job of a SIGKILLed worker comes back after retryAfter and runs on another worker`, async () => {
    const gate = join(gates, `${kind}-killed`);
    const start = () => startDatabaseWorker(database.options, { retryAfter: RETRY_AFTER, worker: { sleep: 0.1, memory: 0 } });
    const a = await start();
    workers.push(a);
    const id = (await t.bus.dispatch(GatedJob, { gate })) as string;
    await a.waitForOutput(new RegExp(`^processing ${id} attempt=1$`, 'm'));
    const b = await start();
    workers.push(b);
    expect(await a.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await t.manager.connection('db').sizes('default')).reserved).toBe(1);

    await b.waitForOutput(new RegExp(`^processing ${id} attempt=2$`, 'm'));
    writeFileSync(gate, '1');
    await b.waitForOutput(new RegExp(`^done ${id}$`, 'm'));
    await waitUntil(async () => (await t.manager.connection('db').size('default')) === 0, 'the job to be acked');
    expect(a.lines(/^done /)).toEqual([]);
    await b.stop();
  }, 60000);
});
