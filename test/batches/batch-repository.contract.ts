import { BatchNotFoundError } from '../../lib/errors/batch.errors';
import type { BatchOptions, BatchRecord, BatchRepository } from '../../lib/batches/batch-repository.interface';
import { MAX_TRACE_LINKS } from '../../lib/payload/payload.interface';

/** Makes a repository over storage no other test uses (its own key prefix or table). */
export type RepositoryFactory = () => Promise<BatchRepository>;

let counter = 0;
export function batchId(label = 'b'): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${Math.random().toString(16).slice(2, 10)}`;
}

const HOUR = 3600_000;

/** A job's process span as a batch keeps it (`<trace id>-<span id>-<flags>`), the k-th of a test's. */
export function jobSpan(k: number, traceId = '4bf92f3577b34da6a3ce929d0e0e4736'): string {
  return `${traceId}-${(k + 1).toString(16).padStart(16, '0')}-01`;
}

/**
 * The behaviour every BatchRepository shares. `make` is called once per test; the suite closes what it made.
 */
export function describeBatchRepositoryContract(label: string, make: RepositoryFactory): void {
  describe(`${label}: BatchRepository contract`, () => {
    const made: BatchRepository[] = [];
    const fresh = async (): Promise<BatchRepository> => {
      const repository = await make();
      made.push(repository);
      await repository.setup();
      return repository;
    };

    afterAll(async () => {
      await Promise.all(made.map((repository) => repository.close()));
    });

    const options: BatchOptions = {
      allowFailures: true,
      then: [{ job: 'notify', data: { userId: 7 }, queue: 'mail' }],
      catch: [{ job: 'log-failure', data: {} }],
      finally: [{ job: 'forget-cache', data: null, connection: 'redis-long', delay: 5 }],
      connection: 'redis',
      queue: 'imports',
      chain: [{ job: 'next', data: { n: 1 }, chain: [{ job: 'after-next', data: ['a', 1, true, null] }] }],
      chainCatch: { job: 'chain-failed', data: { why: 'ünïcödé / "quotes"' } },
      user: { userId: 42, nested: { list: [1, 2, 3] } },
    };

    it('stores a batch and finds it again, every field intact', async () => {
      const repository = await fresh();
      const id = batchId();
      const createdAt = new Date(1_700_000_000_123);
      const stored = await repository.store({ id, name: 'User Import', options, createdAt });
      const expected: BatchRecord = {
        id,
        name: 'User Import',
        totalJobs: 0,
        pendingJobs: 0,
        failedJobs: 0,
        failedJobIds: [],
        options,
        createdAt,
        cancelledAt: null,
        finishedAt: null,
      };
      expect(stored).toEqual(expected);
      const found = await repository.find(id);
      expect(found).toEqual(expected);
      expect(found?.createdAt.getTime()).toBe(1_700_000_000_123);
    });

    it('round-trips counters, failed ids and the three times exactly', async () => {
      const repository = await fresh();
      const id = batchId();
      await repository.store({ id, name: '', options: {}, createdAt: new Date(Date.now() - HOUR) });
      await repository.incrementTotalJobs(id, 5);
      await repository.decrementPendingJobs(id, 'j1');
      await repository.incrementFailedJobs(id, 'j2');
      const before = Date.now();
      await repository.cancel(id);
      const after = Date.now();
      const found = await repository.find(id);
      expect(found).toMatchObject({ totalJobs: 5, pendingJobs: 4, failedJobs: 1, failedJobIds: ['j2'], name: '', options: {} });
      expect(found?.cancelledAt).toBeInstanceOf(Date);
      expect(found?.cancelledAt?.getTime()).toBeGreaterThanOrEqual(before);
      expect(found?.cancelledAt?.getTime()).toBeLessThanOrEqual(after);
      expect(found?.finishedAt?.getTime()).toBe(found?.cancelledAt?.getTime());
      // A second read gives the very same instants.
      const again = await repository.find(id);
      expect(again?.cancelledAt?.getTime()).toBe(found?.cancelledAt?.getTime());
      expect(again?.createdAt.getTime()).toBe(found?.createdAt.getTime());
    });

    it('finds nothing for an unknown id', async () => {
      const repository = await fresh();
      expect(await repository.find(batchId('missing'))).toBeNull();
    });

    it('lists batches newest first, with a limit, and pages with `before`', async () => {
      const repository = await fresh();
      const base = Date.now() - 10 * HOUR;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = `list-${i}-${batchId()}`;
        ids.push(id);
        await repository.store({ id, name: `batch ${i}`, options: {}, createdAt: new Date(base + i * 1000) });
      }
      expect((await repository.get(3)).map((b) => b.id)).toEqual([ids[4], ids[3], ids[2]]);
      expect((await repository.get(3, ids[2])).map((b) => b.id)).toEqual([ids[1], ids[0]]);
      expect((await repository.get(10)).map((b) => b.name)).toEqual(['batch 4', 'batch 3', 'batch 2', 'batch 1', 'batch 0']);
      expect(await repository.get(0)).toEqual([]);
      expect(await repository.get(5, ids[0])).toEqual([]);
      expect(await repository.get(5, 'no-such-batch')).toEqual([]);
      const first = (await repository.get(1))[0];
      expect(first).toEqual(await repository.find(ids[4]));
    });

    it('orders batches created in the same millisecond by id, and pages through them', async () => {
      const repository = await fresh();
      const at = new Date(Date.now() - HOUR);
      for (const id of ['same-a', 'same-c', 'same-b']) await repository.store({ id, name: id, options: {}, createdAt: at });
      expect((await repository.get(10)).map((b) => b.id)).toEqual(['same-c', 'same-b', 'same-a']);
      expect((await repository.get(10, 'same-c')).map((b) => b.id)).toEqual(['same-b', 'same-a']);
      expect((await repository.get(1, 'same-b')).map((b) => b.id)).toEqual(['same-a']);
    });

    it('counts jobs in, successes and failures out, and returns the counters after each update', async () => {
      const repository = await fresh();
      const id = batchId();
      await repository.store({ id, name: 'counters', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 3);
      await repository.incrementTotalJobs(id, 2);
      expect(await repository.find(id)).toMatchObject({ totalJobs: 5, pendingJobs: 5, failedJobs: 0 });

      expect(await repository.decrementPendingJobs(id, 'j1')).toEqual({ pendingJobs: 4, failedJobs: 0 });
      expect(await repository.incrementFailedJobs(id, 'j2')).toEqual({ pendingJobs: 4, failedJobs: 1 });
      expect(await repository.incrementFailedJobs(id, 'j3')).toEqual({ pendingJobs: 4, failedJobs: 2 });
      expect((await repository.find(id))?.failedJobIds).toEqual(['j2', 'j3']);

      // The same job failing again (a retry that failed too) counts again but is listed once, as Laravel.
      expect(await repository.incrementFailedJobs(id, 'j2')).toEqual({ pendingJobs: 4, failedJobs: 3 });
      expect((await repository.find(id))?.failedJobIds).toEqual(['j2', 'j3']);

      // A retried job that succeeds leaves the list; failedJobs stays (Laravel never lowers it).
      expect(await repository.decrementPendingJobs(id, 'j2')).toEqual({ pendingJobs: 3, failedJobs: 3 });
      expect((await repository.find(id))?.failedJobIds).toEqual(['j3']);
      expect(await repository.decrementPendingJobs(id, 'j3')).toEqual({ pendingJobs: 2, failedJobs: 3 });
      expect((await repository.find(id))?.failedJobIds).toEqual([]);

      // A success whose id is only a substring of a failed id leaves that id alone.
      await repository.incrementFailedJobs(id, 'job-10');
      await repository.decrementPendingJobs(id, 'job-1');
      expect((await repository.find(id))?.failedJobIds).toEqual(['job-10']);
      expect(await repository.find(id)).toMatchObject({ totalJobs: 5, pendingJobs: 1, failedJobs: 4 });
    });

    it('gives successes reported at the same moment one counter state each, so exactly one sees the batch finish', async () => {
      const repository = await fresh();
      const id = batchId();
      await repository.store({ id, name: 'together', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 12);
      await repository.incrementFailedJobs(id, 'j3');

      const counts = await Promise.all(Array.from({ length: 12 }, (_, k) => repository.decrementPendingJobs(id, `j${k}`)));

      expect(counts.map((c) => c.pendingJobs).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, k) => k));
      expect(counts.every((c) => c.failedJobs === 1)).toBe(true);
      expect(await repository.find(id)).toMatchObject({ pendingJobs: 0, failedJobs: 1, failedJobIds: [] });
    });

    it('refuses each of the successes reported together for a batch that does not exist', async () => {
      const repository = await fresh();
      const results = await Promise.allSettled([repository.decrementPendingJobs('missing-batch', 'a'), repository.decrementPendingJobs('missing-batch', 'b')]);
      expect(results.map((r) => r.status === 'rejected' && r.reason instanceof BatchNotFoundError)).toEqual([true, true]);
    });

    it('keeps unusual job ids intact in failedJobIds', async () => {
      const repository = await fresh();
      const id = batchId();
      await repository.store({ id, name: 'ids', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 3);
      const odd = ['a/b\\c', 'quote"d', 'ünï ☃ 123'];
      for (const jobId of odd) await repository.incrementFailedJobs(id, jobId);
      expect((await repository.find(id))?.failedJobIds).toEqual(odd);
      await repository.decrementPendingJobs(id, odd[1]);
      expect((await repository.find(id))?.failedJobIds).toEqual([odd[0], odd[2]]);
    });

    it('marks a batch finished, and adding jobs makes it unfinished again', async () => {
      const repository = await fresh();
      const id = batchId();
      await repository.store({ id, name: 'finish', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 1);
      await repository.decrementPendingJobs(id, 'j1');
      const before = Date.now();
      await repository.markAsFinished(id);
      const finished = await repository.find(id);
      expect(finished?.finishedAt?.getTime()).toBeGreaterThanOrEqual(before);
      expect(finished?.cancelledAt).toBeNull();
      await repository.incrementTotalJobs(id, 2);
      expect(await repository.find(id)).toMatchObject({ totalJobs: 3, pendingJobs: 2, finishedAt: null });
    });

    it('cancels a batch once: it is cancelled and finished, and cancelling again keeps the first time', async () => {
      const repository = await fresh();
      const id = batchId();
      await repository.store({ id, name: 'cancel', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 2);
      await repository.cancel(id);
      const first = await repository.find(id);
      expect(first?.cancelledAt).toBeInstanceOf(Date);
      expect(first?.finishedAt).toBeInstanceOf(Date);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await repository.cancel(id);
      const second = await repository.find(id);
      expect(second?.cancelledAt?.getTime()).toBe(first?.cancelledAt?.getTime());
      expect(second).toMatchObject({ totalJobs: 2, pendingJobs: 2, failedJobs: 0 });
    });

    it('refuses updates to a batch that does not exist, and creates no half record', async () => {
      const repository = await fresh();
      const id = batchId('ghost');
      await expect(repository.decrementPendingJobs(id, 'j')).rejects.toBeInstanceOf(BatchNotFoundError);
      await expect(repository.incrementFailedJobs(id, 'j')).rejects.toBeInstanceOf(BatchNotFoundError);
      await expect(repository.incrementTotalJobs(id, 1)).rejects.toBeInstanceOf(BatchNotFoundError);
      await expect(repository.markAsFinished(id)).rejects.toBeInstanceOf(BatchNotFoundError);
      await expect(repository.cancel(id)).rejects.toThrow(`Batch "${id}" does not exist`);
      expect(await repository.find(id)).toBeNull();
      expect(await repository.get(10)).toEqual([]);
      await expect(repository.delete(id)).resolves.toBeUndefined();
    });

    it('deletes a batch', async () => {
      const repository = await fresh();
      const keep = batchId('keep');
      const drop = batchId('drop');
      await repository.store({ id: keep, name: 'keep', options: {}, createdAt: new Date() });
      await repository.store({ id: drop, name: 'drop', options: {}, createdAt: new Date() });
      await repository.delete(drop);
      expect(await repository.find(drop)).toBeNull();
      expect((await repository.get(10)).map((b) => b.id)).toEqual([keep]);
      await expect(repository.decrementPendingJobs(drop, 'j')).rejects.toBeInstanceOf(BatchNotFoundError);
    });

    it('prunes finished batches before a date, and on request unfinished and cancelled ones', async () => {
      const repository = await fresh();
      const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
      const make = async (name: string, createdAt: Date, jobs: number): Promise<string> => {
        const id = `${name}-${batchId()}`;
        await repository.store({ id, name, options: {}, createdAt });
        if (jobs) await repository.incrementTotalJobs(id, jobs);
        return id;
      };
      const finished = await make('finished', twoHoursAgo, 1);
      await repository.decrementPendingJobs(finished, 'j');
      await repository.markAsFinished(finished); // finished now, created two hours ago
      const unfinishedOld = await make('unfinished-old', twoHoursAgo, 2);
      const unfinishedNew = await make('unfinished-new', new Date(), 2);
      const cancelledOld = await make('cancelled-old', twoHoursAgo, 2);
      await repository.cancel(cancelledOld);
      const emptyOld = await make('empty-old', twoHoursAgo, 0);

      const anHourAgo = new Date(Date.now() - HOUR);
      // Nothing finished before an hour ago.
      expect(await repository.prune(anHourAgo)).toBe(0);
      // Cancelled ones created before the cut-off.
      expect(await repository.prune(anHourAgo, { cancelled: true })).toBe(1);
      expect(await repository.find(cancelledOld)).toBeNull();
      // Unfinished ones created before the cut-off (an empty batch never finishes by itself).
      expect(await repository.prune(anHourAgo, { unfinished: true })).toBe(2);
      expect(await repository.find(unfinishedOld)).toBeNull();
      expect(await repository.find(emptyOld)).toBeNull();
      expect(await repository.find(unfinishedNew)).not.toBeNull();
      // Finished before a cut-off in the future: the finished one goes, the unfinished one stays.
      expect(await repository.prune(new Date(Date.now() + 60_000))).toBe(1);
      expect(await repository.find(finished)).toBeNull();
      expect((await repository.get(10)).map((b) => b.id)).toEqual([unfinishedNew]);
    });

    it('prunes a cancelled batch as finished (a cancelled batch is finished, as in Laravel)', async () => {
      const repository = await fresh();
      const id = batchId('cancelled');
      await repository.store({ id, name: 'c', options: {}, createdAt: new Date(Date.now() - HOUR) });
      await repository.incrementTotalJobs(id, 1);
      await repository.cancel(id);
      expect(await repository.prune(new Date(Date.now() + 1000))).toBe(1);
    });

    it('gives exactly one of 200 concurrent successes the last pending job', async () => {
      const repository = await fresh();
      const id = batchId('race');
      await repository.store({ id, name: 'race', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 200);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => repository.decrementPendingJobs(id, `job-${i}`)),
      );
      expect(results.filter((counts) => counts.pendingJobs === 0)).toHaveLength(1);
      expect(new Set(results.map((counts) => counts.pendingJobs)).size).toBe(200);
      expect(await repository.find(id)).toMatchObject({ totalJobs: 200, pendingJobs: 0, failedJobs: 0 });
    });

    it("keeps the spans given with its jobs' successes and failures, in the same update as the counters", async () => {
      const repository = await fresh();
      const id = batchId('spans');
      await repository.store({ id, name: 'spans', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 6);
      expect((await repository.find(id))?.jobSpans).toBeUndefined();

      await repository.decrementPendingJobs(id, 'j0', jobSpan(0));
      // Reported together (one script call on Redis; side by side on a SQL pool, in either order).
      await Promise.all([repository.decrementPendingJobs(id, 'j1', jobSpan(1)), repository.decrementPendingJobs(id, 'j2', jobSpan(2))]);
      await repository.decrementPendingJobs(id, 'j3'); // not traced: nothing kept
      expect(await repository.incrementFailedJobs(id, 'j4', jobSpan(4))).toEqual({ pendingJobs: 2, failedJobs: 1 });
      // Not a span context: not kept (a store counts what it holds by length), the count still goes down.
      expect(await repository.decrementPendingJobs(id, 'j5', 'not-a-span')).toEqual({ pendingJobs: 1, failedJobs: 1 });

      const found = await repository.find(id);
      expect(found).toMatchObject({ pendingJobs: 1, failedJobs: 1, failedJobIds: ['j4'] });
      const spans = found?.jobSpans ?? [];
      expect([spans[0], [...spans.slice(1, 3)].sort(), ...spans.slice(3)]).toEqual([jobSpan(0), [jobSpan(1), jobSpan(2)], jobSpan(4)]);
    });

    it(`keeps the first ${MAX_TRACE_LINKS} spans of its jobs, also when they end concurrently`, async () => {
      const repository = await fresh();
      const id = batchId('spans-bound');
      await repository.store({ id, name: 'spans', options: {}, createdAt: new Date() });
      const jobs = MAX_TRACE_LINKS + 40;
      await repository.incrementTotalJobs(id, jobs);
      for (let k = 0; k < 10; k++) await repository.decrementPendingJobs(id, `j${k}`, jobSpan(k));
      await Promise.all(
        Array.from({ length: jobs - 10 }, (_, i) => {
          const k = i + 10;
          return k % 3 === 0 ? repository.incrementFailedJobs(id, `j${k}`, jobSpan(k)) : repository.decrementPendingJobs(id, `j${k}`, jobSpan(k));
        }),
      );
      const found = await repository.find(id);
      const spans = found?.jobSpans ?? [];
      expect(spans).toHaveLength(MAX_TRACE_LINKS);
      expect(spans.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, k) => jobSpan(k)));
      expect(new Set(spans).size).toBe(MAX_TRACE_LINKS);
      const given = new Set(Array.from({ length: jobs }, (_, k) => jobSpan(k)));
      for (const span of spans) expect(given.has(span)).toBe(true);
      // Every count landed, bound or not.
      const failed = Math.floor((jobs - 1) / 3) - 3; // k = 12, 15, ... below `jobs` (0, 3, 6, 9 succeeded above)
      expect(found).toMatchObject({ pendingJobs: failed, failedJobs: failed });
    });

    it('loses no failed id under 50 concurrent failures and successes', async () => {
      const repository = await fresh();
      const id = batchId('race-failed');
      await repository.store({ id, name: 'race', options: {}, createdAt: new Date() });
      await repository.incrementTotalJobs(id, 100);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          i % 2 === 0 ? repository.incrementFailedJobs(id, `failed-${i}`) : repository.decrementPendingJobs(id, `ok-${i}`),
        ),
      );
      const failures = results.filter((_, i) => i % 2 === 0).map((counts) => counts.failedJobs);
      expect([...failures].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const found = await repository.find(id);
      expect(found).toMatchObject({ pendingJobs: 50, failedJobs: 50 });
      expect([...(found?.failedJobIds ?? [])].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `failed-${i * 2}`).sort());
    });
  });
}
