import { Job, JobContext, OnFailed, OnQueue } from '../../../lib';
import { Mailer } from '../mail/mailer';
import { welcomeEmail } from '../mail/welcome-email';
import { AppLog } from '../support/app-log';
import { UserRepository } from '../users/user.repository';

export interface SendWelcomeEmailData {
  userId: number;
}

/** The seed's SendWelcomeEmail: the user's id travels in the job (SerializesModels), the user is read when it runs. */
@Job()
@OnQueue('emails')
export class SendWelcomeEmail {
  constructor(
    private readonly users: UserRepository,
    private readonly mailer: Mailer,
    private readonly log: AppLog,
  ) {}

  async handle(data: SendWelcomeEmailData, _job: JobContext<SendWelcomeEmailData>): Promise<void> {
    const user = await this.users.findOrFail(data.userId);
    await this.mailer.send(welcomeEmail(user));
  }

  @OnFailed()
  failed(data: SendWelcomeEmailData, error: Error): void {
    this.log.error('Failed to send welcome email', { user_id: data.userId, error: error.message });
  }
}
