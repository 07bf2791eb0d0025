import Redis from 'ioredis';
import { Limit, RateLimiter } from '../../lib';
import { DEMO } from '../src/database/demo-data';
import { EventRepository } from '../src/events/event.repository';
import { SlackStandIn } from '../src/http/slack-stand-in';
import { ProcessEventData } from '../src/jobs/process-event-data.job';
import { Mailer } from '../src/mail/mailer';
import { RateLimits } from '../src/middleware/rate-limits';
import { QueueInspector } from '../src/run/queue-inspector';
import { AppLog } from '../src/support/app-log';
import { JobContextDouble } from './support/job-context-double';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('ProcessEventData', () => {
  let t: SampleTestApp;
  beforeEach(async () => {
    t = await startSampleApp();
  });
  afterEach(() => t.close());

  it('processes the attendees, statistics and report of an event on redis-long:processing', async () => {
    await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon });
    await t.work();
    const event = await t.get(EventRepository).findOrFail(DEMO.events.laracon);
    expect(event.processed).toBe(true);
    expect(event.statistics).toEqual({ registered: 5, checkedIn: 3, checkInRate: 60, companies: { Laravel: 3, Spatie: 1, 'Les-Tilleuls.coop': 1 } });
    expect(event.report).toBe('Laracon EU: 5 registered, 3 checked in (60%). Companies: Laravel 3, Spatie 1, Les-Tilleuls.coop 1.');
    expect((await t.get(EventRepository).attendees(event.id))[0].email).toBe('taylor@laravel.test');
    expect(t.get(AppLog).find('Job processing')[0].context).toMatchObject({ connection: 'redis-long', queue: 'processing' });
  });

  it('processes data correctly when its handle() is called directly (the seed\'s unit test)', async () => {
    const data = { eventId: DEMO.events.laracon };
    const job = new JobContextDouble('ProcessEventData', data, 1, 'processing', 3);
    await t.get(ProcessEventData).handle(data, job);
    const event = await t.get(EventRepository).findOrFail(DEMO.events.laracon);
    expect(event.processed).toBe(true);
    expect(event.statistics).toEqual({ registered: 5, checkedIn: 3, checkInRate: 60, companies: { Laravel: 3, Spatie: 1, 'Les-Tilleuls.coop': 1 } });
    expect(event.report).toBe('Laracon EU: 5 registered, 3 checked in (60%). Companies: Laravel 3, Spatie 1, Les-Tilleuls.coop 1.');
    expect(job.isDeletedOrReleased()).toBe(false);
    expect(job.hasFailed()).toBe(false);
  });

  it('is unique per event: a second dispatch resolves to null while the first is queued, and works again after it ran', async () => {
    const first = await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon });
    expect(first).toEqual(expect.any(String));
    expect(await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon })).toBeNull();
    expect(await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.archived })).toEqual(expect.any(String));
    await t.work();
    expect(await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon })).toEqual(expect.any(String));
  });

  it('carries the seed\'s options: tries 3, backoff 10/30/60, maxExceptions 3, timeout 120, retryUntil in 2 hours', async () => {
    const before = Date.now();
    await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon }).delay(600);
    const after = Date.now();
    const raw = await rawDelayedPayload(t, 'processing');
    expect(raw).toMatchObject({ job: 'ProcessEventData', maxTries: 3, backoff: [10, 30, 60], maxExceptions: 3, timeout: 120, deleteWhenMissing: true });
    // Two hours from the dispatch, in epoch seconds (whole or not: one second of rounding either way).
    expect(raw.retryUntil * 1000).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    expect(raw.retryUntil * 1000).toBeLessThanOrEqual(after + 2 * 3600_000 + 1000);
  });

  it('runs one job per event at a time (WithoutOverlapping): while the lock is held the job is released', async () => {
    const redis = new Redis(t.settings.redisUrl);
    const lock = `${t.settings.redisPrefix}overlap:ProcessEventData:${DEMO.events.laracon}`;
    await redis.set(lock, 'another-run');
    const id = await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon });
    await t.worker.run({ connection: 'redis-long', queue: 'processing', maxJobs: 3, sleep: 0, memory: 0 });
    const outcomes = t.get(AppLog).find('Job processed').map((e) => [e.context.id, e.context.attempts, e.context.outcome]);
    expect(outcomes).toEqual([[id, 1, 'released'], [id, 2, 'released'], [id, 3, 'released']]);
    expect((await t.get(EventRepository).findOrFail(DEMO.events.laracon)).processed).toBe(false);
    await redis.del(lock);
    redis.disconnect();
    await t.work();
    expect((await t.get(EventRepository).findOrFail(DEMO.events.laracon)).processed).toBe(true);
  });

  it('is held back by the event-processing rate limiter when it is used up', async () => {
    RateLimiter.for('event-processing', () => Limit.perMinute(1));
    try {
      const first = await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon });
      const second = await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.archived });
      await t.work();
      expect(await t.failed.find(first as string)).toBeNull();
      const [waiting] = await t.get(QueueInspector).delayed(['processing']);
      expect(waiting).toMatchObject({ id: second, attempts: 1 });
      expect(waiting.availableIn).toBeGreaterThan(3);
      expect(waiting.availableIn).toBeLessThanOrEqual(63);
    } finally {
      new RateLimits().onModuleInit();
    }
  });

  it('fails an archived event at once and notifies the administrators and the alerts channel', async () => {
    const id = await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.archived });
    await t.work();
    const record = await t.failed.find(id as string);
    expect(record?.exception.split('\n')[0]).toBe('EventArchivedError: Event #2 "Meetup 2019" is archived; its data can no longer be processed.');
    expect(t.get(Mailer).sentTo('admin@meet2be.test').map((m) => m.subject)).toEqual(['Processing event #2 failed']);
    expect(t.get(SlackStandIn).messages).toEqual([expect.stringContaining(`Critical job ProcessEventData (${id}) failed on redis-long`)]);
    expect(await t.get(QueueInspector).delayed(['processing'])).toEqual([]);
  });

  it('deletes the job quietly when its event no longer exists', async () => {
    await t.bus.dispatch(ProcessEventData, { eventId: DEMO.events.deleted });
    await t.work();
    expect(await t.failed.all()).toEqual([]);
    expect(await t.get(QueueInspector).delayed(['processing'])).toEqual([]);
    expect(t.get(Mailer).outbox).toEqual([]);
    expect(t.get(AppLog).find('Job failed')).toEqual([]);
  });
});

async function rawDelayedPayload(t: SampleTestApp, queue: string): Promise<{ maxTries: number; retryUntil: number }> {
  const redis = new Redis(t.settings.redisUrl);
  try {
    const [payload] = await redis.zrange(`${t.settings.redisPrefix}queues:{${queue}}:delayed`, '0', '0');
    return JSON.parse(payload) as { maxTries: number; retryUntil: number };
  } finally {
    redis.disconnect();
  }
}
