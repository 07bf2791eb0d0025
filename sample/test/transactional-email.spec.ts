import Redis from 'ioredis';
import { DEMO } from '../src/database/demo-data';
import { EMAILS_PER_HOUR, SendTransactionalEmail } from '../src/jobs/send-transactional-email.job';
import { Mailer } from '../src/mail/mailer';
import { QueueInspector } from '../src/run/queue-inspector';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('SendTransactionalEmail', () => {
  let t: SampleTestApp;
  beforeEach(async () => {
    t = await startSampleApp();
  });
  afterEach(() => t.close());

  it('sends 10 mails per user per hour and releases the 11th for 60 seconds', async () => {
    const ids: (string | null)[] = [];
    for (let i = 1; i <= 11; i++) {
      ids.push(await t.bus.dispatch(SendTransactionalEmail, { userId: DEMO.users.grace, template: 'ticket-confirmation', data: { event: 'Laracon EU', ticket: `T-${i}` } }));
    }
    await t.bus.dispatch(SendTransactionalEmail, { userId: DEMO.users.linus, template: 'password-reset', data: { link: 'https://meet2be.test/reset/abc' } });
    await t.work();

    const mailer = t.get(Mailer);
    expect(mailer.sentTo('grace@meet2be.test').map((m) => m.text.match(/T-\d+/)?.[0])).toEqual(Array.from({ length: EMAILS_PER_HOUR }, (_, i) => `T-${i + 1}`));
    expect(mailer.sentTo('grace@meet2be.test')[0].subject).toBe('Your ticket for Laracon EU');
    expect(mailer.sentTo('linus@meet2be.test').map((m) => m.text)).toEqual(['Hi Linus,\n\nreset your password here: https://meet2be.test/reset/abc']);
    const [{ n }] = await t.db.table('email_logs').where('user_id', DEMO.users.grace).count<{ n: number }[]>({ n: '*' });
    expect(Number(n)).toBe(10);

    const waiting = await t.get(QueueInspector).delayed(['transactional-emails']);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ id: ids[10], job: 'SendTransactionalEmail', attempts: 1 });
    expect(waiting[0].availableIn).toBeGreaterThan(55);
    expect(waiting[0].availableIn).toBeLessThanOrEqual(60);

    const redis = new Redis(t.settings.redisUrl);
    const key = `${t.settings.redisPrefix}cache:email_rate_limit:${DEMO.users.grace}`;
    expect(await redis.get(key)).toBe('10');
    expect(await redis.ttl(key)).toBeGreaterThan(3590);
    redis.disconnect();
  });
});
