import { Job, JobContext, OnQueue } from '../../../lib';
import { Database } from '../database/database';
import { dynamicEmail } from '../mail/dynamic-email';
import { Mailer } from '../mail/mailer';
import { Cache } from '../support/cache';
import { UserRepository } from '../users/user.repository';

export interface SendTransactionalEmailData {
  userId: number;
  template: string;
  data?: Record<string, string | number>;
}

/** Mails a user may receive per hour; the next one waits. */
export const EMAILS_PER_HOUR = 10;
/** Seconds a mail over the limit waits before it is tried again (the seed's `release(60)`). */
export const RATE_LIMITED_RELEASE = 60;

/** The seed's SendTransactionalEmail: at most 10 mails per user per hour, counted in Redis; over that, release(60). */
@Job()
@OnQueue('transactional-emails')
export class SendTransactionalEmail {
  constructor(
    private readonly users: UserRepository,
    private readonly mailer: Mailer,
    private readonly cache: Cache,
    private readonly db: Database,
  ) {}

  async handle(data: SendTransactionalEmailData, job: JobContext<SendTransactionalEmailData>): Promise<void> {
    // Rate limiting
    if (!(await this.checkRateLimit(data.userId))) {
      job.release(RATE_LIMITED_RELEASE);
      return;
    }
    const user = await this.users.findOrFail(data.userId);
    await this.mailer.send(dynamicEmail(user, data.template, data.data ?? {}));
    // Log email sent
    await this.db.table('email_logs').insert({ user_id: user.id, template: data.template, sent_at: new Date().toISOString() });
  }

  private checkRateLimit(userId: number): Promise<boolean> {
    return this.cache.attempt(`email_rate_limit:${userId}`, EMAILS_PER_HOUR, 3600);
  }
}
