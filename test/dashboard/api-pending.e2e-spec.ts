import { v7 as uuidv7 } from 'uuid';
import { Job, OnQueue } from '../../lib';
import type { DashboardJob, JobListResponse } from '../../lib/dashboard';
import { QueueDashboardModule } from '../../lib/dashboard';
import { recordedQueueMember, recordedQueuesKey } from '../../lib/drivers/redis/job-record-keys';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { DashboardTestApp, PLATFORMS, startDashboardApp } from './support/dashboard-app';

jest.setTimeout(120_000);

@Job({ name: 'pending.plain' })
@OnQueue('default')
class Plain {
  async handle(_data: { n: number }): Promise<void> {}
}

/** A payload as the bus writes it (v first, no attempts while 0, then uuid), for seeding queues at scale. */
const payload = (id: string, n: number, attempts = 0) => `{"v":1,${attempts ? `"attempts":${attempts},` : ''}"uuid":"${id}","job":"pending.plain","data":{"n":${n}}}`;

describe.each(PLATFORMS)('waiting jobs on the dashboard on %s', (platform) => {
  let t: DashboardTestApp;
  beforeEach(async () => {
    t = await startDashboardApp(platform, QueueDashboardModule.forRoot({ authorize: () => true }), { providers: [Plain] });
  });
  afterEach(() => t.close());

  /** Registers queues as having records (as the first push with records on does) and returns their keys. */
  async function queues(...names: string[]) {
    for (const name of names) await t.redis.sadd(recordedQueuesKey(t.prefix), recordedQueueMember('redis', name));
    return names.map((name) => queueKeys(t.prefix, name));
  }

  async function rpushAll(key: string, items: string[]): Promise<void> {
    for (let i = 0; i < items.length; i += 1000) await t.redis.rpush(key, ...items.slice(i, i + 1000));
  }

  it('shows a waiting job that has no record at GET jobs/:id: ready, delayed and in progress', async () => {
    const ready = (await t.bus.dispatch(Plain, { n: 1 }))!;
    const delayed = (await t.bus.dispatch(Plain, { n: 2 }).delay(3600))!;
    const reserving = (await t.bus.dispatch(Plain, { n: 3 }).onQueue('other'))!;
    const [reservation] = await t.manager.connection().pop(['other'], 1);
    expect(reservation.raw).toContain(reserving);

    expect(await t.json<DashboardJob>(`/horizon/api/jobs/${ready}`)).toMatchObject({ id: ready, name: 'pending.plain', status: 'pending', queue: 'default', data: { n: 1 }, attempts: 0 });
    const later = await t.json<DashboardJob>(`/horizon/api/jobs/${delayed}`);
    expect(later).toMatchObject({ id: delayed, status: 'pending', data: { n: 2 } });
    expect(later.availableAt! - later.pushedAt).toBeGreaterThanOrEqual(3590_000);
    expect(await t.json<DashboardJob>(`/horizon/api/jobs/${reserving}`)).toMatchObject({ id: reserving, status: 'reserved', queue: 'other', attempts: 1, data: { n: 3 } });

    const unknown = await t.request(`/horizon/api/jobs/${uuidv7()}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toContain('jobs/pending');
    expect((await t.request('/horizon/api/jobs/not-a-uuid')).status).toBe(404);
  });

  it('finds a waiting job by id among 200,000 ready ones, also just before a run of 1,000 jobs that came back out of id order', async () => {
    const [k] = await queues('bulk');
    const base = Date.now() - 3_600_000;
    const ids = Array.from({ length: 200_000 }, (_, n) => uuidv7({ msecs: base + Math.floor(n / 10) }));
    // 1,000 jobs with old ids that came back (released, or delayed and now due) in the middle of the list.
    const back = Array.from({ length: 1000 }, (_, n) => uuidv7({ msecs: base - 10_000_000 + n }));
    const list = [...ids.slice(0, 100_000).map((id, n) => payload(id, n)), ...back.map((id, n) => payload(id, -n, 1)), ...ids.slice(100_000).map((id, n) => payload(id, 100_000 + n))];
    await rpushAll(k.ready, list);

    for (const n of [0, 1, 50_000, 99_000, 99_990, 99_999, 100_000, 100_001, 150_000, 199_999]) {
      expect(await t.json<DashboardJob>(`/horizon/api/jobs/${ids[n]}`)).toMatchObject({ id: ids[n], status: 'pending', queue: 'bulk', data: { n } });
    }
  });

  it('lists pending jobs of several queues newest first across the queues, on deep pages too, each job once', async () => {
    const keys = await queues('q-a', 'q-b', 'q-c');
    const base = Date.now() - 3_600_000;
    const ready: { id: string; q: number }[] = [];
    const delayed: { id: string; q: number; at: number }[] = [];
    // Four jobs a millisecond, spread over the queues: ties in time are ordered by id across queues.
    const readyIds = Array.from({ length: 1500 }, (_, n) => uuidv7({ msecs: base + Math.floor(n / 4) })).sort();
    readyIds.forEach((id, n) => ready.push({ id, q: (n * 7) % 3 }));
    for (let n = 0; n < 600; n++) delayed.push({ id: uuidv7({ msecs: base + n }), q: (n * 5) % 3, at: Date.now() + 60_000 + ((n * 37) % 600) * 1000 + n });
    for (let q = 0; q < 3; q++) {
      await rpushAll(keys[q].ready, ready.filter((j) => j.q === q).map((j, n) => payload(j.id, n)));
      const mine = delayed.filter((j) => j.q === q);
      await t.redis.zadd(keys[q].delayed, ...mine.flatMap((j, n) => [j.at / 1000, payload(j.id, n)]));
    }
    const expected = [...[...ready].reverse().map((j) => j.id), ...[...delayed].sort((a, b) => a.at - b.at).map((j) => j.id)];

    const seen: string[] = [];
    let startingAt = -1;
    for (;;) {
      const page = await t.json<JobListResponse>(`/horizon/api/jobs/pending?starting_at=${startingAt}&limit=100`);
      expect(page.total).toBe(2100);
      if (page.jobs.length === 0) break;
      expect(page.jobs.map((j) => j.index)).toEqual(page.jobs.map((_, i) => startingAt + 1 + i));
      seen.push(...page.jobs.map((j) => j.id));
      startingAt = page.jobs[page.jobs.length - 1].index!;
    }
    expect(seen).toEqual(expected);
    const deep = await t.json<JobListResponse>('/horizon/api/jobs/pending?starting_at=1849&limit=7');
    expect(deep.jobs.map((j) => j.id)).toEqual(expected.slice(1850, 1857));
    expect(deep.jobs[0].availableAt).toBeGreaterThan(Date.now());
  });
});
