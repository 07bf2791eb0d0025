import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO } from '../src/database/demo-data';
import { SendWelcomeEmail } from '../src/jobs/send-welcome-email.job';
import { Mailer } from '../src/mail/mailer';
import { AppLog } from '../src/support/app-log';
import { UserRepository } from '../src/users/user.repository';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('SendWelcomeEmail', () => {
  let t: SampleTestApp;
  beforeEach(async () => {
    t = await startSampleApp();
  });
  afterEach(() => t.close());

  it('mails the user through nodemailer, on the "emails" queue, with the JSON the transport produced', async () => {
    const id = await t.bus.dispatch(SendWelcomeEmail, { userId: DEMO.users.ada });
    const { rounds } = await t.work();
    expect(rounds).toBe(1);
    const outbox = t.get(Mailer).outbox;
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toEqual({
      messageId: expect.stringMatching(/^<.+@meet2be\.test>$/),
      from: { address: 'no-reply@meet2be.test', name: 'Meet2Be' },
      to: [{ name: 'Ada Lovelace', address: 'ada@meet2be.test' }],
      subject: 'Welcome to Meet2Be, Ada!',
      text: expect.stringContaining('Your Meet2Be account is ready.'),
      html: expect.stringContaining('<p>Hi Ada,</p>'),
    });
    const written = JSON.parse(readFileSync(join(t.settings.storageDir, 'mail', '001.json'), 'utf8')) as { subject: string; messageId: string };
    expect(written.subject).toBe('Welcome to Meet2Be, Ada!');
    expect(written.messageId).toBe(outbox[0].messageId);
    const processing = t.get(AppLog).find('Job processing');
    expect(processing.map((e) => e.context)).toEqual([{ connection: 'redis', queue: 'emails', job: 'SendWelcomeEmail', id, attempts: 1 }]);
  });

  it('fails for a user that does not exist, and its failed() logs it; a retry after the user signs up sends the mail', async () => {
    const id = await t.bus.dispatch(SendWelcomeEmail, { userId: DEMO.missingUserId });
    await t.work();
    expect(t.get(Mailer).outbox).toHaveLength(0);
    expect(t.get(AppLog).find('Failed to send welcome email').map((e) => e.context)).toEqual([
      { user_id: DEMO.missingUserId, error: `No user with id ${DEMO.missingUserId}.` },
    ]);
    const record = await t.failed.find(id as string);
    expect(record?.exception).toContain(`MissingRecordError: No user with id ${DEMO.missingUserId}.`);

    await t.get(UserRepository).create({ id: DEMO.missingUserId, name: 'Katherine Johnson', email: 'katherine@meet2be.test' });
    expect(await t.failed.retry([id as string])).toEqual([id]);
    await t.work();
    expect(t.get(Mailer).outbox.map((m) => m.to[0].address)).toEqual(['katherine@meet2be.test']);
    expect(await t.failed.find(id as string)).toBeNull();
  });
});
