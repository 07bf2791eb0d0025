import { Job, JobContext, JobRetryRequested } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';

const attempts: number[] = [];
let shouldFail = true;

@Job({ tries: 2 })
class SometimesFails {
  async handle(_: { n: number }, ctx: JobContext): Promise<void> {
    attempts.push(ctx.attempts);
    if (shouldFail) throw new Error('down for now');
  }
}

describe.each<SqlKind>(['sqlite', 'pgsql', 'mysql'])('failed jobs on the %s database store', (kind) => {
  let db: TestDatabase;
  let t: QueueTestApp;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    attempts.length = 0;
    shouldFail = true;
    t = await createQueueApp([SometimesFails], {
      databases: { app: db.options },
      failed: { driver: 'database', database: 'app', table: 'failed_jobs' },
    });
  });
  afterEach(() => t.close());

  const work = () => t.worker.run({ stopWhenEmpty: true, sleep: 0 });

  it('records, lists, retries with attempts reset, forgets, flushes and prunes', async () => {
    const retried: string[] = [];
    t.events.on(JobRetryRequested, (e) => void retried.push(e.id));
    const a = (await t.bus.dispatch(SometimesFails, { n: 1 })) as string;
    const b = (await t.bus.dispatch(SometimesFails, { n: 2 }).onQueue('other')) as string;
    await work();
    await t.worker.run({ queue: 'other', stopWhenEmpty: true, sleep: 0 });
    expect(attempts).toEqual([1, 2, 1, 2]);

    const all = await t.failed.all();
    expect(all.map((r) => r.id).sort()).toEqual([a, b].sort());
    const record = await t.failed.find(a);
    expect(record).toMatchObject({ id: a, connection: 'redis', queue: 'default' });
    expect(record?.exception).toContain('down for now');
    expect(record?.failedAt).toBeInstanceOf(Date);
    expect(await t.failed.ids('other')).toEqual([b]);

    shouldFail = false;
    expect(await t.failed.retry([a])).toEqual([a]);
    expect(retried).toEqual([a]);
    expect(await t.failed.find(a)).toBeNull();
    const raw = await t.redis.lrange(`${t.prefix}queues:{default}`, 0, -1);
    expect(JSON.parse(raw[0])).toMatchObject({ uuid: a, attempts: 0 });
    attempts.length = 0;
    await work();
    expect(attempts).toEqual([1]);

    expect(await t.failed.forget(b)).toBe(true);
    expect(await t.failed.forget(b)).toBe(false);

    shouldFail = true;
    await t.bus.dispatch(SometimesFails, { n: 3 });
    await work();
    expect(await t.failed.flush(1)).toBe(0);
    expect(await t.failed.prune(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await t.failed.prune(new Date(Date.now() + 1000))).toBe(1);
    await t.bus.dispatch(SometimesFails, { n: 4 });
    await work();
    expect(await t.failed.flush()).toBe(1);
    expect(await t.failed.all()).toEqual([]);
  });
});

describe('the default SQLite failed store', () => {
  it('creates the folder of its database file, so a fresh checkout records failed jobs', async () => {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'nq-fresh-'));
    const filename = join(root, 'storage', 'nested', 'queue.sqlite');
    const t = await createQueueApp([SometimesFails], {
      databases: { sqlite: { client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true } },
      failed: { driver: 'database', database: 'sqlite' },
    });
    try {
      shouldFail = true;
      const id = (await t.bus.dispatch(SometimesFails, { n: 1 })) as string;
      await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
      expect(existsSync(filename)).toBe(true);
      expect((await t.failed.find(id))?.id).toBe(id);
    } finally {
      await t.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
