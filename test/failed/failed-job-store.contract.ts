import { randomUUID } from 'node:crypto';
import { InvalidFailedJobTimeError } from '../../lib/errors';
import type { FailedJobRecord, FailedJobStore } from '../../lib/failed/failed-job-store.interface';

/** JSON text with multi-byte characters (2-, 3- and 4-byte UTF-8), escapes, tabs, newlines and trailing spaces. */
export const UNICODE_PAYLOAD =
  '{"uuid":"x","displayName":"App\\\\Jobs\\\\Ünïcødé","data":{"text":"日本語 ✓ 🎉👩‍💻 e\u0301 «ß»",' +
  '"escaped":"\\u0000 \\"quoted\\" \\n","n":1.50}}\n\t  ';

export const EXCEPTION_WITH_STACK = (() => {
  const error = new TypeError('Cannot read properties of undefined (reading "id") — ünïcødé');
  return `${error.name}: ${error.message}\n${error.stack ?? ''}`;
})();

export function failedRecord(overrides: Partial<FailedJobRecord> = {}): FailedJobRecord {
  return {
    id: randomUUID(),
    connection: 'redis',
    queue: 'default',
    payload: '{"job":"SendMail","attempts":3}',
    exception: 'Error: boom\n    at handle (mail.job.ts:10:5)',
    failedAt: new Date('2024-05-06T07:08:09.123Z'),
    ...overrides,
  };
}

const HOUR = 3_600_000;

/**
 * The behaviour every real failed-job store shares. `open` returns a new, empty store (its own table or prefix);
 * the contract closes each store it opened after the test.
 */
export function failedJobStoreContract(open: () => Promise<FailedJobStore>): void {
  const opened: FailedJobStore[] = [];
  const fresh = async (): Promise<FailedJobStore> => {
    const store = await open();
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('returns every field of a logged record from find, payload and exception unchanged', async () => {
    const store = await fresh();
    const record = failedRecord({
      connection: 'redis-eu',
      queue: 'emails',
      payload: UNICODE_PAYLOAD,
      exception: EXCEPTION_WITH_STACK,
      failedAt: new Date('2023-03-26T01:30:00.457Z'),
    });
    await store.log(record);

    const found = await store.find(record.id);
    expect(found).toEqual(record);
    expect(found?.failedAt).toBeInstanceOf(Date);
    expect(found?.failedAt.getTime()).toBe(record.failedAt.getTime());
    expect(Buffer.from(found?.payload ?? '', 'utf8').equals(Buffer.from(UNICODE_PAYLOAD, 'utf8'))).toBe(true);
  });

  it('keeps a 300 KB payload whole', async () => {
    const store = await fresh();
    const payload = JSON.stringify({ blob: 'é✓🎉abc'.repeat(30_000) });
    expect(payload.length).toBeGreaterThan(200_000);
    const record = failedRecord({ payload });
    await store.log(record);
    expect((await store.find(record.id))?.payload).toBe(payload);
  });

  it('returns null from find for an id it never logged', async () => {
    const store = await fresh();
    await store.log(failedRecord());
    expect(await store.find(randomUUID())).toBeNull();
  });

  it('replaces the record when the same id is logged again, never keeping two', async () => {
    const store = await fresh();
    const first = failedRecord({ queue: 'first', exception: 'Error: first', failedAt: new Date('2024-01-01T00:00:00Z') });
    const second = { ...first, queue: 'second', exception: 'Error: second', failedAt: new Date('2024-01-02T00:00:00Z') };
    await store.log(first);
    await store.log(second);

    expect(await store.all()).toEqual([second]);
    expect(await store.ids()).toEqual([first.id]);
    expect(await store.ids('first')).toEqual([]);
    expect(await store.ids('second')).toEqual([first.id]);
  });

  it('lists all records newest first, whatever order they were logged in', async () => {
    const store = await fresh();
    const base = Date.parse('2024-06-01T12:00:00Z');
    const middle = failedRecord({ failedAt: new Date(base) });
    const newest = failedRecord({ failedAt: new Date(base + 1000) });
    const oldest = failedRecord({ failedAt: new Date(base - HOUR) });
    for (const record of [middle, newest, oldest]) await store.log(record);

    expect(await store.all()).toEqual([newest, middle, oldest]);
    expect(await store.ids()).toEqual([newest.id, middle.id, oldest.id]);
  });

  it('lists only the ids of one queue, newest first, when a queue is given', async () => {
    const store = await fresh();
    const base = Date.parse('2024-06-01T12:00:00Z');
    const oldMail = failedRecord({ queue: 'emails', failedAt: new Date(base) });
    const other = failedRecord({ queue: 'default', failedAt: new Date(base + 1000) });
    const newMail = failedRecord({ queue: 'emails', failedAt: new Date(base + 2000) });
    const similar = failedRecord({ queue: 'emails-eu', failedAt: new Date(base + 3000) });
    for (const record of [oldMail, other, newMail, similar]) await store.log(record);

    expect(await store.ids('emails')).toEqual([newMail.id, oldMail.id]);
    expect(await store.ids('default')).toEqual([other.id]);
    expect(await store.ids('missing')).toEqual([]);
  });

  it('forgets one record, reporting true only when a record was removed', async () => {
    const store = await fresh();
    const kept = failedRecord();
    const forgotten = failedRecord();
    await store.log(kept);
    await store.log(forgotten);

    expect(await store.forget(forgotten.id)).toBe(true);
    expect(await store.find(forgotten.id)).toBeNull();
    expect(await store.ids()).toEqual([kept.id]);
    expect(await store.forget(forgotten.id)).toBe(false);
    expect(await store.forget(randomUUID())).toBe(false);
    expect(await store.find(kept.id)).toEqual(kept);
  });

  it('flushes every record and returns how many it removed', async () => {
    const store = await fresh();
    const now = Date.now();
    for (let i = 0; i < 7; i++) await store.log(failedRecord({ failedAt: new Date(now - i * 48 * HOUR) }));

    expect(await store.flush()).toBe(7);
    expect(await store.all()).toEqual([]);
    expect(await store.ids()).toEqual([]);
    expect(await store.flush()).toBe(0);

    const after = failedRecord();
    await store.log(after);
    expect(await store.ids()).toEqual([after.id]);
  });

  it('flushes only records older than the given hours, keeping newer ones', async () => {
    const store = await fresh();
    const now = Date.now();
    const threeHoursAgo = failedRecord({ failedAt: new Date(now - 3 * HOUR) });
    const fiveHoursAgo = failedRecord({ failedAt: new Date(now - 5 * HOUR) });
    const oneHourAgo = failedRecord({ failedAt: new Date(now - HOUR) });
    const justNow = failedRecord({ failedAt: new Date(now - 1000) });
    for (const record of [threeHoursAgo, fiveHoursAgo, oneHourAgo, justNow]) await store.log(record);

    expect(await store.flush(2)).toBe(2);
    expect(await store.ids()).toEqual([justNow.id, oneHourAgo.id]);
    expect(await store.flush(48)).toBe(0);
  });

  it('prunes records that failed strictly before the given time and returns how many', async () => {
    const store = await fresh();
    const cutoff = new Date('2024-03-10T10:00:00.000Z');
    const before = failedRecord({ failedAt: new Date(cutoff.getTime() - 1000) });
    const longBefore = failedRecord({ failedAt: new Date('2023-01-01T00:00:00Z') });
    const atCutoff = failedRecord({ failedAt: new Date(cutoff.getTime()) });
    const after = failedRecord({ failedAt: new Date(cutoff.getTime() + 1000) });
    for (const record of [before, atCutoff, longBefore, after]) await store.log(record);

    expect(await store.prune(cutoff)).toBe(2);
    expect(await store.ids()).toEqual([after.id, atCutoff.id]);
    expect(await store.prune(cutoff)).toBe(0);
  });

  it('prunes 1200 of 1234 records in one call and keeps the newer ones (the Redis store removes them 500 per script)', async () => {
    const store = await fresh();
    const base = Date.parse('2024-01-01T00:00:00Z');
    const records = Array.from({ length: 1234 }, (_, i) => failedRecord({ failedAt: new Date(base + i * 1000) }));
    for (let i = 0; i < records.length; i += 100) await Promise.all(records.slice(i, i + 100).map((r) => store.log(r)));

    expect(await store.prune(new Date(base + 1200 * 1000))).toBe(1200);
    expect(await store.ids()).toEqual(records.slice(1200).reverse().map((r) => r.id));
  });

  it('accepts ten concurrent logs on a store that was never used', async () => {
    const store = await fresh();
    const records = Array.from({ length: 10 }, (_, i) => failedRecord({ failedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)) }));

    await Promise.all(records.map((record) => store.log(record)));

    expect(await store.all()).toEqual([...records].reverse());
  });

  it('refuses an invalid failedAt, prune time or flush hours with InvalidFailedJobTimeError', async () => {
    const store = await fresh();
    await expect(store.log(failedRecord({ failedAt: new Date('not a date') }))).rejects.toThrow(InvalidFailedJobTimeError);
    await expect(store.prune(new Date(NaN))).rejects.toThrow(InvalidFailedJobTimeError);
    await expect(store.flush(NaN)).rejects.toThrow(InvalidFailedJobTimeError);
    expect(await store.all()).toEqual([]);
  });

  it('can be set up more than once', async () => {
    const store = await fresh();
    await store.setup();
    await store.setup();
    const record = failedRecord();
    await store.log(record);
    await store.setup();
    expect(await store.find(record.id)).toEqual(record);
  });
}
