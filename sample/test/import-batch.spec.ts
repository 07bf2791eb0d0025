import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { job } from '../../lib';
import { DEMO } from '../src/database/demo-data';
import { importCacheKey, ImportRow } from '../src/imports/import-row';
import { ImportService } from '../src/imports/import.service';
import { ProcessRecord } from '../src/jobs/imports/process-record.job';
import { BatchProgressRecorder } from '../src/listeners/batch-progress.recorder';
import { Mailer } from '../src/mail/mailer';
import { AppLog } from '../src/support/app-log';
import { Cache } from '../src/support/cache';
import { UserRepository, User } from '../src/users/user.repository';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('user import batch', () => {
  let t: SampleTestApp;
  let importer: ImportService;
  let ada: User;
  beforeEach(async () => {
    t = await startSampleApp();
    importer = t.get(ImportService);
    ada = await t.get(UserRepository).findOrFail(DEMO.users.ada);
  });
  afterEach(() => t.close());

  const file = (name: string, rows: ImportRow[]): string => {
    const dir = join(t.settings.storageDir, 'imports');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(rows));
    return path;
  };
  const people = (n: number, tag: string): ImportRow[] => Array.from({ length: n }, (_, i) => ({ name: `${tag} ${i}`, email: `${tag}${i}@import.test` }));
  const emails = async () => new Set((await t.db.table<{ email: string }>('users').select('email')).map((u) => u.email));

  it('imports every chunk, reports progress, then notifies the user in its options and finally forgets the cache', async () => {
    const batch = await importer.importUsers(file('a.json', people(6, 'a')), ada);
    expect(batch.name).toMatch(/^User Import - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect([batch.totalJobs, batch.pendingJobs, batch.failedJobs, batch.progress()]).toEqual([3, 3, 0, 0]);
    expect(batch.options).toEqual({ user: { id: ada.id, name: ada.name, email: ada.email } });
    expect(await t.get(Cache).has(importCacheKey(batch.id))).toBe(true);

    await t.work();

    expect(t.get(BatchProgressRecorder).of(batch.id).map((s) => s.progress)).toEqual([33, 67, 100]);
    const done = await t.bus.findBatch(batch.id);
    expect(done && [done.finished(), done.progress(), done.pendingJobs, done.failedJobs, done.hasFailures()]).toEqual([true, 100, 0, 0, false]);
    expect(t.get(Mailer).outbox.map((m) => [m.to[0].address, m.subject])).toEqual([['ada@meet2be.test', `${batch.name}: done`]]);
    expect(await t.get(Cache).has(importCacheKey(batch.id))).toBe(false);
    const users = await emails();
    expect(people(6, 'a').every((p) => users.has(p.email))).toBe(true);
    expect(t.get(AppLog).find('Import batch failed')).toEqual([]);
  });

  it('takes jobs added while it runs into its totals', async () => {
    const batch = await importer.importUsers(file('b.json', people(2, 'b')), ada);
    const added = await batch.add([job(ProcessRecord, { record: { name: 'Late', email: 'late@import.test' } })]);
    expect([added.totalJobs, added.pendingJobs]).toEqual([2, 2]);
    await t.work();
    const done = await batch.fresh();
    expect([done.totalJobs, done.pendingJobs, done.finished()]).toEqual([2, 0, true]);
    expect((await emails()).has('late@import.test')).toBe(true);
  });

  it('with a bad chunk: that chunk is rolled back and fails, catch logs the error, finally runs, then does not', async () => {
    const rows = [...people(2, 'c'), { name: 'New', email: 'new@import.test' }, { name: 'Ada again', email: 'ada@meet2be.test' }];
    const batch = await importer.importUsers(file('c.json', rows), ada);
    await t.work();
    const done = await batch.fresh();
    expect([done.totalJobs, done.pendingJobs, done.failedJobs, done.progress(), done.cancelled(), done.finished()]).toEqual([2, 1, 1, 50, false, false]);
    expect(done.failedJobIds).toHaveLength(1);
    const failure = await t.failed.find(done.failedJobIds[0]);
    expect(failure?.queue).toBe('imports');
    const users = await emails();
    expect(['c0@import.test', 'c1@import.test'].every((e) => users.has(e))).toBe(true);
    expect(users.has('new@import.test')).toBe(false);
    const logged = t.get(AppLog).find('Import batch failed').map((e) => e.context);
    expect(logged).toEqual([{ batch_id: batch.id, error: expect.stringMatching(/UNIQUE/) }]);
    expect(t.get(Mailer).outbox).toEqual([]);
    expect(await t.get(Cache).has(importCacheKey(batch.id))).toBe(false);
  });

  it('cancelled: its jobs are skipped (SkipIfBatchCancelled), nothing is imported and no completion mail goes out', async () => {
    const batch = await importer.importUsers(file('d.json', people(4, 'd')), ada);
    await batch.cancel();
    const cancelled = await t.bus.findBatch(batch.id);
    expect(cancelled?.cancelled()).toBe(true);
    await t.work();
    const users = await emails();
    expect(people(4, 'd').some((p) => users.has(p.email))).toBe(false);
    expect(t.get(Mailer).outbox).toEqual([]);
    expect(await t.get(Cache).has(importCacheKey(batch.id))).toBe(false);
  });
});
