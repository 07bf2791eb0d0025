import { dailyAt, every, Job, JobClass, JobDataOf, OnQueue, PendingDispatch, Scheduled, ScheduledDispatch, ScheduledDispatchError, weeklyOn } from '../../lib';
import { BusFake, runScheduleAt } from '../../lib/testing';
import { createSchedulerApp, FakeClock, SchedulerTestApp, within } from './support/scheduler-app';
import { waitUntil } from '../support/test-redis';

const AMSTERDAM = 'Europe/Amsterdam';

@Job({ name: 'exports.prune' })
@OnQueue('exports')
@Scheduled(dailyAt('03:00'), { timezone: AMSTERDAM, data: { full: true }, queue: 'low' })
class PruneExports {
  async handle(_data: { full?: boolean }): Promise<void> {}
}

@Job()
@Scheduled('0 30 2 * * *', { timezone: AMSTERDAM })
class AtHalfPastTwo {
  async handle(): Promise<void> {}
}

@Job()
@Scheduled('0 */30 * * * *', { timezone: AMSTERDAM })
class EveryHalfHour {
  async handle(): Promise<void> {}
}

@Job()
@Scheduled(every.second())
class EverySecond {
  async handle(): Promise<void> {}
}

const iso = (d: Date) => d.toISOString();
let t: SchedulerTestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('runScheduleAt (nestjs-queue/testing)', () => {
  it('dispatches what is due at T through the app Bus, a BusFake recording it like any dispatch', async () => {
    t = await createSchedulerApp([PruneExports], {
      queue: { schedule: [{ job: 'exports.prune', cron: weeklyOn('monday', '08:30'), timezone: 'America/New_York' }] },
    });
    // 03:00 summer time in Amsterdam is 01:00 UTC; the rest of that second counts as "at" it.
    const sent = await runScheduleAt(t.app, new Date('2026-06-01T01:00:00.700Z'));
    expect(sent.map((s) => [s.task.source, iso(s.due)])).toEqual([['@Scheduled(PruneExports)', '2026-06-01T01:00:00.000Z']]);
    t.bus.assertDispatchedTimes(PruneExports, 1);
    t.bus.assertDispatchedOn('low', PruneExports, (data) => data.full === true);

    expect(await runScheduleAt(t.app, new Date('2026-06-01T01:00:01.000Z'))).toEqual([]);
    t.bus.assertDispatchedTimes(PruneExports, 1);

    // Monday 08:30 in New York (summer time) is 12:30 UTC: the config entry, with no data and the job's own queue.
    const monday = await runScheduleAt(t.app, new Date('2026-06-01T12:30:00Z'));
    expect(monday.map((s) => s.task.source)).toEqual(['schedule[0]']);
    t.bus.assertDispatchedOn('exports', PruneExports, (data) => data.full === undefined);
    t.bus.assertDispatchedTimes(PruneExports, 2);
  });
});

/** Runs the scheduler on a fake clock from `start` to `end` and returns the due times it dispatched, per job. */
async function runFakeClock(jobs: JobClass[], start: string, end: string): Promise<Record<string, string[]>> {
  const clock = new FakeClock(new Date(start), new Date(end));
  t = await createSchedulerApp(jobs, { scheduler: { clock } });
  const dues: Record<string, string[]> = {};
  t.scheduler.onDispatch(({ task, due }) => (dues[task.jobName] ??= []).push(iso(due)));
  await t.scheduler.start();
  await within(clock.reachedEnd, 20000, 'the fake clock to reach its end');
  await t.scheduler.stop();
  return dues;
}

describe('Scheduler across daylight-saving changes (fake clock, croner rules)', () => {
  it('spring forward in Amsterdam: a fixed time in the skipped hour runs once at 03:00, an interval skips the gap', async () => {
    const dues = await runFakeClock([AtHalfPastTwo, EveryHalfHour], '2026-03-28T23:50:00Z', '2026-03-29T01:40:00Z');
    // 02:00 CET became 03:00 CEST at 01:00 UTC.
    expect(dues.AtHalfPastTwo).toEqual(['2026-03-29T01:00:00.000Z']); // 03:00 CEST
    expect(dues.EveryHalfHour).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
    ]);
    t!.bus.assertDispatchedTimes(AtHalfPastTwo, 1);
    t!.bus.assertDispatchedTimes(EveryHalfHour, 4);
  });

  it('fall back in Amsterdam: a fixed time that occurs twice runs once, an interval runs on both occurrences', async () => {
    const dues = await runFakeClock([AtHalfPastTwo, EveryHalfHour], '2026-10-24T23:50:00Z', '2026-10-25T01:40:00Z');
    // 03:00 CEST became 02:00 CET at 01:00 UTC: 02:00-03:00 local happened twice.
    expect(dues.AtHalfPastTwo).toEqual(['2026-10-25T00:30:00.000Z']); // the first 02:30 (CEST)
    expect(dues.EveryHalfHour).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
    ]);
    t!.bus.assertDispatchedTimes(EveryHalfHour, 4);
  });
});

/** A BusFake whose first `failures` dispatches throw, as a Redis outage would. */
class FlakyBus extends BusFake {
  attempts = 0;
  constructor(private failures: number) {
    super();
  }
  override dispatch<C extends JobClass>(jobClass: C, data: JobDataOf<C>): PendingDispatch {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      return new PendingDispatch(async () => {
        throw new Error('queue unreachable');
      });
    }
    return super.dispatch(jobClass, data);
  }
}

describe('Scheduler claims', () => {
  it('a dispatch that fails after the claim releases it, and the due time is retried until it is sent, once', async () => {
    const clock = new FakeClock(new Date('2026-12-01T10:00:00.500Z'), new Date('2026-12-01T10:00:06.500Z'));
    const bus = new FlakyBus(1);
    t = await createSchedulerApp([EverySecond], { bus, scheduler: { clock } });
    const dues: string[] = [];
    const errors: ScheduledDispatchError[] = [];
    t.scheduler.onDispatch(({ due }) => dues.push(iso(due)));
    t.scheduler.onError((e) => errors.push(e));
    await t.scheduler.start();
    await within(clock.reachedEnd, 20000, 'the fake clock to reach its end');
    await t.scheduler.stop();

    expect(errors.map((e) => [iso(e.due), e.willRetry, (e.error as Error).message])).toEqual([['2026-12-01T10:00:01.000Z', true, 'queue unreachable']]);
    // 10:00:01 went out a second late, on its second try, just before 10:00:02; none went out twice.
    expect(dues.slice(0, 2)).toEqual(['2026-12-01T10:00:01.000Z', '2026-12-01T10:00:02.000Z']);
    expect([...dues].sort()).toEqual(['01', '02', '03', '04', '05', '06'].map((s) => `2026-12-01T10:00:${s}.000Z`));
    expect(new Set(dues).size).toBe(dues.length);
    t.bus.assertDispatchedTimes(EverySecond, 6);
    const task = t.scheduler.list()[0]!;
    const value = await t.redis.get(`${t.prefix}schedule:${task.id}:${Date.parse('2026-12-01T10:00:01Z') / 1000}`);
    expect(value).toMatch(/^done:/);
  });

  it('a due time claimed by a scheduler that died before dispatching is taken over once the lease runs out', async () => {
    t = await createSchedulerApp([EverySecond], { scheduler: { leaseSeconds: 1 } });
    const task = t.scheduler.list()[0]!;
    // A "dead" scheduler's claims on the next two due seconds, with a 1.5 s lease left.
    const nextSecond = Math.floor(Date.now() / 1000) + 1;
    const ghost = [nextSecond, nextSecond + 1];
    for (const s of ghost) await t.redis.set(`${t.prefix}schedule:${task.id}:${s}`, 'claim:ghost', 'PX', 1500);
    const sent: ScheduledDispatch[] = [];
    t.scheduler.onDispatch((d) => sent.push(d));
    await t.scheduler.start();
    const dueSeconds = () => sent.map((d) => d.due.getTime() / 1000);
    await waitUntil(() => ghost.every((s) => dueSeconds().includes(s)) && dueSeconds().some((s) => s > nextSecond + 2), 'the ghost-claimed due times to be dispatched', 20000);
    await t.scheduler.stop();
    for (const s of ghost) expect(dueSeconds().filter((d) => d === s)).toHaveLength(1);
    expect(new Set(dueSeconds()).size).toBe(sent.length);
    expect(t.bus.dispatched(EverySecond)).toHaveLength(sent.length);
    for (const s of ghost) expect(await t.redis.get(`${t.prefix}schedule:${task.id}:${s}`)).toMatch(/^done:/);
  }, 30000);

  it('two schedulers on one Redis dispatch each due time once between them (fake clocks in step)', async () => {
    const start = new Date('2026-12-01T10:00:00.200Z');
    const end = new Date('2026-12-01T10:00:20.500Z'); // due times 10:00:01 to 10:00:20
    const clockA = new FakeClock(start, end);
    const first = await createSchedulerApp([EverySecond], { scheduler: { clock: clockA } });
    const clockB = new FakeClock(start, end);
    const second = await createSchedulerApp([EverySecond], { prefix: first.prefix, scheduler: { clock: clockB } });
    t = first;
    try {
      const dues: string[] = [];
      for (const app of [first, second]) app.scheduler.onDispatch(({ due }) => dues.push(iso(due)));
      await Promise.all([first.scheduler.start(), second.scheduler.start()]);
      await within(Promise.all([clockA.reachedEnd, clockB.reachedEnd]), 20000, 'the fake clocks to reach their end');
      await waitUntil(() => dues.length >= 20, 'twenty due times', 20000);
      await Promise.all([first.scheduler.stop(), second.scheduler.stop()]);
      expect(dues).toHaveLength(20);
      expect(new Set(dues).size).toBe(20);
      expect(first.bus.dispatched(EverySecond).length + second.bus.dispatched(EverySecond).length).toBe(20);
    } finally {
      await second.app.close();
      second.redis.disconnect();
    }
  });
});
