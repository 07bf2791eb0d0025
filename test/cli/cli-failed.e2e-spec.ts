import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { FAILED_JOB_STORE } from '../../lib/queue.constants';
import type { FailedJobStore } from '../../lib';
import { useCliSuite } from './support/cli-suite';
import { FailingJob, fixtureLog, QuickJob } from './support/dispatch-app';

describe('nestjs-queue failed jobs', () => {
  const cli = useCliSuite();

  /** Dispatches failing jobs and lets the CLI worker fail them; returns their ids. */
  async function failJobs(count: number, queue = 'default'): Promise<string[]> {
    const t = cli.app();
    const ids: string[] = [];
    for (let n = 1; n <= count; n++) ids.push((await t.bus.dispatch(FailingJob, { n }).onQueue(queue)) as string);
    const work = await cli.run(['work', `--queue=${queue}`, '--stop-when-empty', '--sleep=0.1']);
    expect(work.code).toBe(0);
    return ids;
  }

  it('failed prints a table of id, connection, queue, job name, time and exception; --json prints the records', async () => {
    expect(await cli.run(['failed'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^No failed jobs found in redis \(127\.0\.0\.1:\d+\)\.\n$/) });
    const ids = await failJobs(2);
    const result = await cli.run(['failed']);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['ID', 'Connection', 'Queue', 'Job', 'Failed At', 'Exception']);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const [id, connection, queue, name, failedAt, exception] = row.split(/\s{2,}/);
      expect(ids).toContain(id);
      expect([connection, queue, name]).toEqual(['redis', 'default', 'FailingJob']);
      expect(failedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(exception).toMatch(/^Error: boom \d$/);
    }
    const json = await cli.run(['failed', '--json']);
    const records = JSON.parse(json.stdout) as { id: string; job: string; queue: string; exception: string; failedAt: string; payload: string }[];
    expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(records.every((r) => r.job === 'FailingJob' && r.queue === 'default' && !Number.isNaN(Date.parse(r.failedAt)))).toBe(true);
    expect(records.map((r) => r.exception.split('\n')[0]).sort()).toEqual(['Error: boom 1', 'Error: boom 2']);
  });

  it('retry pushes one failed job back and forgets its record; an unknown id exits 1 after retrying the others', async () => {
    const t = cli.app();
    const [first, second] = await failJobs(2);
    const result = await cli.run(['retry', first]);
    expect(result).toMatchObject({ code: 0, stdout: `Pushed failed job ${first} back onto its queue.\n`, stderr: '' });
    expect(await t.failed.ids()).toEqual([second]);
    expect(await t.manager.connection('redis').size('default')).toBe(1);

    const missing = await cli.run(['retry', second, 'no-such-id']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe(`Pushed failed job ${second} back onto its queue.\n`);
    expect(missing.stderr).toBe('error: No failed job with id no-such-id; list them with "nestjs-queue failed".\n');
    expect(await t.failed.ids()).toEqual([]);
    expect(await t.manager.connection('redis').size('default')).toBe(2);
  });

  it('retry all [--queue] retries every failed job, or those of one queue', async () => {
    const t = cli.app();
    const onDefault = await failJobs(2, 'default');
    const [onOther] = await failJobs(1, 'other');
    const some = await cli.run(['retry', 'all', '--queue=other']);
    expect(some).toMatchObject({ code: 0, stdout: `Pushed failed job ${onOther} back onto its queue.\n` });
    expect((await t.failed.ids()).sort()).toEqual([...onDefault].sort());
    const skipped = await cli.run(['retry', onDefault[0], '--queue=other']);
    expect(skipped).toMatchObject({ code: 0, stdout: `Skipped failed job ${onDefault[0]}: it failed on queue "default", not "other".\n` });
    const all = await cli.run(['retry', 'all']);
    expect(all.code).toBe(0);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(await t.failed.ids()).toEqual([]);
    expect(await t.manager.connection('redis').size('default')).toBe(2);
    expect(await cli.run(['retry', 'all'])).toMatchObject({ code: 0, stdout: 'No failed jobs to retry.\n' });
  });

  it('a retried job runs again in the worker', async () => {
    const t = cli.app();
    // A job that failed for a reason since fixed: its record names QuickJob, which now succeeds.
    const id = (await t.bus.dispatch(QuickJob, { n: 9 })) as string;
    const store = t.app.get<FailedJobStore>(FAILED_JOB_STORE);
    const raw = (await t.redis.lrange(`${t.prefix}queues:{default}`, 0, -1))[0];
    await t.manager.connection('redis').clear('default');
    await store.log({ id, connection: 'redis', queue: 'default', payload: raw, exception: 'Error: was down', failedAt: new Date() });
    expect((await cli.run(['retry', id])).code).toBe(0);
    const work = await cli.run(['work', '--stop-when-empty', '--sleep=0.1']);
    expect(work.stdout).toMatch(/QuickJob \.+ .*DONE/);
    expect(await fixtureLog(t)).toEqual(['quick:9']);
  });

  it('forget deletes one record; an unknown id exits 1', async () => {
    const t = cli.app();
    const [first, second] = await failJobs(2);
    expect(await cli.run(['forget', first])).toMatchObject({ code: 0, stdout: `Failed job ${first} deleted.\n` });
    expect(await t.failed.ids()).toEqual([second]);
    const again = await cli.run(['forget', first]);
    expect(again).toMatchObject({ code: 1, stdout: '', stderr: `error: No failed job with id ${first}; list them with "nestjs-queue failed".\n` });
  });

  it('flush [--hours] and prune-failed --hours delete records by age', async () => {
    const t = cli.app();
    const store = t.app.get<FailedJobStore>(FAILED_JOB_STORE);
    const record = (id: string, hoursAgo: number) => ({
      id, connection: 'redis', queue: 'default', payload: '{}', exception: 'Error: old', failedAt: new Date(Date.now() - hoursAgo * 3600_000),
    });
    await store.log(record('a-72h', 72));
    await store.log(record('b-30h', 30));
    await store.log(record('c-5h', 5));
    await store.log(record('d-now', 0));

    expect(await cli.run(['prune-failed', '--hours=48'])).toMatchObject({ code: 0, stdout: 'Deleted 1 failed jobs older than 48 hours.\n' });
    expect((await t.failed.ids()).sort()).toEqual(['b-30h', 'c-5h', 'd-now']);
    expect(await cli.run(['prune-failed'])).toMatchObject({ code: 0, stdout: 'Deleted 1 failed jobs older than 24 hours.\n' });
    expect(await cli.run(['flush', '--hours=2'])).toMatchObject({ code: 0, stdout: 'Deleted 1 failed jobs older than 2 hours.\n' });
    expect(await t.failed.ids()).toEqual(['d-now']);
    expect(await cli.run(['flush'])).toMatchObject({ code: 0, stdout: 'Deleted 1 failed jobs.\n' });
    expect(await t.failed.ids()).toEqual([]);
  });

  it('failed:table creates the table of a database failed store, and says there is none for redis', async () => {
    expect(await cli.run(['failed:table'])).toMatchObject({ code: 0, stdout: 'The failed store uses the redis driver: there is no table to create.\n' });
    const dir = mkdtempSync(join(tmpdir(), 'nq-cli-sqlite-'));
    const file = join(dir, 'queue.sqlite');
    try {
      const result = await cli.run(['failed:table'], { FAILED_SQLITE: file });
      expect(result).toMatchObject({ code: 0, stdout: 'The failed jobs table "failed_jobs" is ready on database "sqlite".\n', stderr: '' });
      const db = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
      try {
        expect(await db.schema.hasTable('failed_jobs')).toBe(true);
        expect(await db.schema.hasColumn('failed_jobs', 'payload')).toBe(true);
      } finally {
        await db.destroy();
      }
      expect(await cli.run(['failed'], { FAILED_SQLITE: file })).toMatchObject({
        code: 0, stdout: `No failed jobs found in database "sqlite" (${file}, table failed_jobs).\n`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
