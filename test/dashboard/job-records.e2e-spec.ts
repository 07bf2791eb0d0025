import { randomBytes } from 'node:crypto';
import { Job, JobContext, JobProcessing, job } from '../../lib';
import type { JobRecordPage } from '../../lib/dashboard/job-records.interface';
import { JobRecordsRepository } from '../../lib/dashboard/job-records.repository';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { waitUntil } from '../support/test-redis';

@Job({ name: 'records-ok', tags: (d: { user: number }) => [`user:${d.user}`, 'kind:ok'] })
class Succeeds {
  async handle(_: { user: number }): Promise<void> {}
}

@Job({ name: 'records-plain' })
class Plain {
  async handle(_: { n: number }): Promise<void> {}
}

@Job({ name: 'records-fails', tries: 1, tags: (d: { user: number }) => [`user:${d.user}`] })
class Fails {
  async handle(_: { user: number }): Promise<void> {
    throw new Error('the mail server said no');
  }
}

@Job({ name: 'records-quiet' })
class Quiet {
  async handle(_: { n: number }): Promise<void> {}
}

@Job({ name: 'records-secret', encrypted: true })
class Secret {
  async handle(_: { card: string }): Promise<void> {}
}

let failNextRetry = true;
@Job({ name: 'records-flaky', tries: 1 })
class Flaky {
  async handle(_: { n: number }, ctx: JobContext): Promise<void> {
    if (failNextRetry) throw new Error(`flaky ${ctx.id}`);
  }
}

@Job({ name: 'records-later', tries: 3 })
class ComesBackLater {
  async handle(_: { n: number }, ctx: JobContext): Promise<void> {
    ctx.release(3600);
  }
}

/** Fails its first run; run again (a retry), it asks to come back once, then succeeds. */
const backAgain = { runs: 0 };
@Job({ name: 'records-back-again', tries: 5 })
class BackAgain {
  async handle(_: { n: number }, ctx: JobContext): Promise<void> {
    backAgain.runs++;
    if (backAgain.runs === 1) ctx.fail('not yet');
    else if (backAgain.runs === 2) ctx.release(0);
  }
}

const JOBS = [Succeeds, Plain, Fails, Quiet, Secret, Flaky, ComesBackLater, BackAgain];
const key = `base64:${randomBytes(32).toString('base64')}`;

describe('job records (dashboard data, Redis driver)', () => {
  let t: QueueTestApp;
  let records: JobRecordsRepository;
  const work = (queue = 'default') => t.worker.run({ queue, stopWhenEmpty: true, sleep: 0 });

  const start = async (horizon: Record<string, unknown> = {}) => {
    t = await createQueueApp(JOBS, { key, horizon: { silenced: [Quiet], ...horizon } });
    records = JobRecordsRepository.of(t.app);
  };
  afterEach(async () => {
    await t?.close();
  });

  it('lists pending jobs newest first, then completed and failed ones after a worker ran them', async () => {
    await start();
    const a = (await t.bus.dispatch(Succeeds, { user: 1 })) as string;
    const b = (await t.bus.dispatch(Plain, { n: 2 })) as string;
    const c = (await t.bus.dispatch(Fails, { user: 3 })) as string;

    const pending = await records.pending();
    expect(pending.total).toBe(3);
    expect(pending.jobs.map((j) => j.id)).toEqual([c, b, a]);
    expect(pending.jobs.map((j) => j.status)).toEqual(['pending', 'pending', 'pending']);
    expect(pending.jobs[2]).toMatchObject({
      id: a, name: 'records-ok', connection: 'redis', queue: 'default', tags: ['user:1', 'kind:ok'], attempts: 0,
      encrypted: false, silenced: false, data: { user: 1 }, index: 2,
    });
    expect(pending.jobs[2].pushedAt).toBeGreaterThan(Date.now() - 60000);

    await work();

    expect(await records.pending()).toEqual({ jobs: [], total: 0 });
    const completed = await records.completed();
    expect(completed.total).toBe(2);
    expect(completed.jobs.map((j) => j.id)).toEqual([b, a]);
    expect(completed.jobs[1]).toMatchObject({ status: 'completed', attempts: 1, tags: ['user:1', 'kind:ok'] });
    expect(completed.jobs[1].completedAt).toBeGreaterThanOrEqual(completed.jobs[1].reservedAt as number);
    expect(completed.jobs[1].reservedAt).toBeGreaterThanOrEqual(completed.jobs[1].pushedAt);

    const failed = await records.failed();
    expect(failed.total).toBe(1);
    expect(failed.jobs[0]).toMatchObject({ id: c, name: 'records-fails', status: 'failed', attempts: 1, tags: ['user:3'], data: { user: 3 } });
    expect(failed.jobs[0].exception).toContain('the mail server said no');
    expect(failed.jobs[0].failedAt).toBeGreaterThan(0);
    expect(await records.find(c)).toMatchObject({ id: c, status: 'failed' });
    expect(await records.find('no-such-id')).toBeNull();

    expect(await records.countRecentlyCompleted(60)).toBe(2);
    expect(await records.countRecentlyFailed(60)).toBe(1);
  });

  it('leaves silenced jobs out of the completed list and lists them as silenced', async () => {
    await start();
    const quiet = (await t.bus.dispatch(Quiet, { n: 1 })) as string;
    const loud = (await t.bus.dispatch(Plain, { n: 2 })) as string;
    await work();
    expect((await records.completed()).jobs.map((j) => j.id)).toEqual([loud]);
    const silenced = await records.silenced();
    expect(silenced.total).toBe(1);
    expect(silenced.jobs[0]).toMatchObject({ id: quiet, silenced: true, status: 'completed' });
  });

  it('keeps neither the data nor the payload of an encrypted job', async () => {
    await start();
    const id = (await t.bus.dispatch(Secret, { card: '4111 1111 1111 1111' })) as string;
    const before = (await records.pending()).jobs[0];
    expect(before).toMatchObject({ id, name: 'records-secret', encrypted: true, status: 'pending' });
    expect(before).not.toHaveProperty('data');
    expect(before).not.toHaveProperty('payload');
    await work();
    const after = await records.find(id);
    expect(after).toMatchObject({ status: 'completed', encrypted: true });
    expect(after).not.toHaveProperty('payload');
    const text = await t.redis.hget(`${t.prefix}queues:{default}:records:data`, id);
    expect(text).toContain(id);
    expect(text).not.toContain('4111');
  });

  it('lists delayed and released jobs as pending, with when they become available, and jobs in progress as reserved', async () => {
    await start();
    const id = (await t.bus.dispatch(Plain, { n: 1 }).delay(3600)) as string;
    const [record] = (await records.pending()).jobs;
    expect(record).toMatchObject({ id, status: 'pending', data: { n: 1 } });
    expect(record.availableAt).toBeGreaterThan(Date.now() + 3500 * 1000);
    // A waiting job has no record of its own: the pending list reads it from the queue.
    expect(await records.find(id)).toBeNull();

    const released = (await t.bus.dispatch(ComesBackLater, { n: 2 })) as string;
    await work();
    const pending = await records.pending();
    expect(pending.total).toBe(2);
    const back = pending.jobs.find((j) => j.id === released);
    expect(back).toMatchObject({ status: 'pending', attempts: 1 });
    expect(back?.availableAt).toBeGreaterThan(Date.now() + 3500 * 1000);
    expect((await records.completed()).total).toBe(0);

    let seen: JobRecordPage | null = null;
    t.events.on(JobProcessing, async () => {
      seen = await records.pending();
    });
    const running = (await t.bus.dispatch(Plain, { n: 3 })) as string;
    await work();
    expect(seen).not.toBeNull();
    expect((seen as unknown as JobRecordPage).jobs[0]).toMatchObject({ id: running, status: 'reserved', attempts: 1 });
  });

  it('trims each list as it is written, and a record goes with its id from the list', async () => {
    // 0.002 minutes = 120 ms for completed records; the next write after that drops the old entries.
    await start({ trim: { completed: 0.002 } });
    const data = `${t.prefix}queues:{default}:records:data`;
    const old = (await t.bus.dispatch(Plain, { n: 1 })) as string;
    await work();
    const first = await records.find(old);
    expect(first?.status).toBe('completed');
    expect(await t.redis.hexists(data, old)).toBe(1);
    const since = Date.now();
    await waitUntil(async () => Date.now() - since > 150, '150 ms to pass');
    const fresh = (await t.bus.dispatch(Plain, { n: 2 })) as string;
    await work();
    const completed = await records.completed();
    expect(completed.jobs.map((j) => j.id)).toEqual([fresh]);
    expect(completed.total).toBe(1);
    expect(await t.redis.zscore(`${t.prefix}queues:{default}:records:completed`, old)).toBeNull();
    expect(await t.redis.hexists(data, old)).toBe(0);
    expect(await t.redis.hlen(data)).toBe(1);
    expect(await records.find(old)).toBeNull();
  });

  it('keeps no record of a completed job when trim.completed is 0, and still keeps failed ones', async () => {
    await start({ trim: { completed: 0 } });
    await t.bus.dispatch(Plain, { n: 1 });
    await t.bus.dispatch(Succeeds, { user: 1 });
    const failed = (await t.bus.dispatch(Fails, { user: 2 })) as string;
    await work();
    expect(await records.completed()).toEqual({ jobs: [], total: 0 });
    expect(await t.redis.zcard(`${t.prefix}queues:{default}:records:completed`)).toBe(0);
    expect(await t.redis.hkeys(`${t.prefix}queues:{default}:records:data`)).toEqual([failed]);
    expect((await records.failed()).jobs.map((j) => j.id)).toEqual([failed]);
  });

  it('keeps the jobs of monitored tags in their own list, longer, until the tag is no longer monitored', async () => {
    await start({ trim: { completed: 1, monitored: 100 } });
    await records.monitor('user:7');
    expect(await records.monitored()).toEqual([{ tag: 'user:7', count: 0 }]);
    const a = (await t.bus.dispatch(Succeeds, { user: 7 })) as string;
    await t.bus.dispatch(Succeeds, { user: 8 });
    const c = (await t.bus.dispatch(Fails, { user: 7 })) as string;
    await work();

    expect(await records.monitored()).toEqual([{ tag: 'user:7', count: 2 }]);
    const tagged = await records.byTag('user:7');
    expect(tagged.total).toBe(2);
    expect(tagged.jobs.map((j) => [j.id, j.status])).toEqual([[c, 'failed'], [a, 'completed']]);
    // Kept for trim.monitored (100 minutes), not trim.completed (1 minute).
    expect(await t.redis.pttl(`${t.prefix}queues:{default}:records:job:${a}`)).toBeGreaterThan(60 * 60000);

    await records.stopMonitoring('user:7');
    expect(await records.monitored()).toEqual([]);
    expect(await records.byTag('user:7')).toEqual({ jobs: [], total: 0 });
    await t.bus.dispatch(Succeeds, { user: 7 });
    await work();
    expect(await records.byTag('user:7')).toEqual({ jobs: [], total: 0 });
  });

  it('marks a job of a monitored tag reserved when one pop takes it among several jobs', async () => {
    await start();
    await records.monitor('user:7');
    for (let n = 0; n < 4; n++) await t.bus.dispatch(Plain, { n });
    const tagged = (await t.bus.dispatch(Succeeds, { user: 7 })) as string;
    const other = (await t.bus.dispatch(Succeeds, { user: 8 })) as string;
    const popped = await t.manager.connection().pop(['default'], 10);
    expect(popped).toHaveLength(6);
    expect(await records.find(tagged)).toMatchObject({ id: tagged, status: 'reserved', attempts: 1 });
    // No monitored tag: no record of its own while it runs (pending() shows it from the queue).
    expect(await records.find(other)).toBeNull();
    expect((await records.pending()).jobs.find((j) => j.id === other)).toMatchObject({ status: 'reserved' });
  });

  it('filters failed jobs by tag', async () => {
    await start();
    const one = (await t.bus.dispatch(Fails, { user: 1 })) as string;
    await t.bus.dispatch(Fails, { user: 2 });
    await work();
    expect((await records.failed()).total).toBe(2);
    const tagged = await records.failed({ tag: 'user:1' });
    expect(tagged.total).toBe(1);
    expect(tagged.jobs.map((j) => j.id)).toEqual([one]);
  });

  it('marks a failed job retried: the retry re-queues it, the failed list lets go of it and the record shows the retry', async () => {
    await start();
    failNextRetry = true;
    const id = (await t.bus.dispatch(Flaky, { n: 1 })) as string;
    await work();
    expect((await records.failed()).jobs.map((j) => j.id)).toEqual([id]);

    failNextRetry = false;
    expect(await t.failed.retry([id])).toEqual([id]);
    await records.markRetried(id, id);
    expect((await records.failed()).total).toBe(0);
    const pending = await records.find(id);
    expect(pending).toMatchObject({ id, status: 'pending', attempts: 0 });
    expect(pending).not.toHaveProperty('exception');
    expect(pending?.retriedBy).toEqual([{ id, status: 'pending', retriedAt: expect.any(Number) }]);

    await work();
    const done = await records.find(id);
    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
    expect(done?.retriedBy?.[0].status).toBe('completed');
    expect((await records.completed()).jobs.map((j) => j.id)).toEqual([id]);
  });

  it('keeps the record of a retried job through a release: it ends completed, with the retry shown, in one place', async () => {
    await start();
    backAgain.runs = 0;
    const id = (await t.bus.dispatch(BackAgain, { n: 1 })) as string;
    await work();
    expect(await records.find(id)).toMatchObject({ status: 'failed' });
    expect(await t.failed.retry([id])).toEqual([id]);
    await records.markRetried(id, id);
    await work();
    expect(backAgain.runs).toBe(3);
    const done = await records.find(id);
    expect(done).toMatchObject({ id, status: 'completed', attempts: 2, name: 'records-back-again' });
    expect(done?.retriedBy).toEqual([{ id, status: 'completed', retriedAt: expect.any(Number) }]);
    expect((await records.completed()).jobs.map((j) => j.id)).toEqual([id]);
    expect((await records.failed()).total).toBe(0);
    expect(await t.redis.exists(`${t.prefix}queues:{default}:records:job:${id}`)).toBe(0);
  });

  it('pages the completed list with startingAt and a total, merged across queues by time', async () => {
    await start();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const queue = i % 2 ? 'odd' : 'even';
      ids.push((await t.bus.dispatch(Plain, { n: i }).onQueue(queue)) as string);
      await work(queue);
    }
    const newest = [...ids].reverse();
    const first = await records.completed({ limit: 3 });
    expect(first.total).toBe(7);
    expect(first.jobs.map((j) => j.id)).toEqual(newest.slice(0, 3));
    expect(first.jobs.map((j) => j.index)).toEqual([0, 1, 2]);
    const second = await records.completed({ limit: 3, startingAt: 2 });
    expect(second.jobs.map((j) => j.id)).toEqual(newest.slice(3, 6));
    const last = await records.completed({ limit: 3, startingAt: 5 });
    expect(last.jobs.map((j) => j.id)).toEqual(newest.slice(6));
    expect((await records.completed({ startingAt: 6 })).jobs).toEqual([]);
    expect(first.jobs.map((j) => j.queue)).toEqual(['even', 'odd', 'even']);
  });

  it('pages the pending list over the queues: in progress, then ready newest first, then delayed soonest first', async () => {
    await start();
    const even = [];
    for (let i = 0; i < 3; i++) even.push((await t.bus.dispatch(Plain, { n: i }).onQueue('even')) as string);
    const odd = [];
    for (let i = 0; i < 3; i++) odd.push((await t.bus.dispatch(Plain, { n: i }).onQueue('odd')) as string);
    const later = (await t.bus.dispatch(Plain, { n: 9 }).onQueue('even').delay(600)) as string;
    const soon = (await t.bus.dispatch(Plain, { n: 8 }).onQueue('even').delay(300)) as string;
    const expected = [...[...odd].reverse(), ...[...even].reverse(), soon, later];
    const all: string[] = [];
    let startingAt = -1;
    for (;;) {
      const page = await records.pending({ limit: 3, startingAt });
      expect(page.total).toBe(8);
      if (page.jobs.length === 0) break;
      all.push(...page.jobs.map((j) => j.id));
      startingAt = page.jobs[page.jobs.length - 1].index as number;
    }
    expect(all).toEqual(expected);
  });

  it('records a batch of jobs sent together (dispatchMany) and a job no worker can read as failed', async () => {
    await start();
    const ids = (await t.bus.dispatchMany([job(Plain, { n: 1 }), job(Succeeds, { user: 2 })])) as string[];
    const pending = await records.pending();
    expect(pending.jobs.map((j) => j.id)).toEqual([ids[1], ids[0]]);
    expect(pending.jobs[0].tags).toEqual(['user:2', 'kind:ok']);
    await t.redis.rpush(`${t.prefix}queues:{default}`, '{"v":1,"uuid":"0190d5a4-0000-7000-8000-000000000001","job":"no-such-job","data":{}}');
    await t.redis.rpush(`${t.prefix}queues:{default}:notify`, '1');
    await work();
    expect((await records.completed()).total).toBe(2);
    const failed = await records.failed();
    expect(failed.jobs[0]).toMatchObject({ id: '0190d5a4-0000-7000-8000-000000000001', name: 'no-such-job', status: 'failed' });
    expect(failed.jobs[0].exception).toContain('No job named "no-such-job"');
  });

  it('writes nothing when horizon.records is false', async () => {
    await start({ records: false });
    await t.bus.dispatch(Plain, { n: 1 });
    await t.bus.dispatch(Fails, { user: 1 });
    await t.bus.dispatch(Plain, { n: 2 }).delay(60);
    await t.bus.dispatchMany([job(Plain, { n: 3 })]);
    await work();
    const [, keys] = await t.redis.scan('0', 'MATCH', `${t.prefix}*records*`, 'COUNT', 10000);
    expect(keys).toEqual([]);
    expect(await records.completed()).toEqual({ jobs: [], total: 0 });
  });
});
