import type { Address, Mailable } from '../mail/mailable';
import type { MailNotification, SlackNotification } from './notification';

/** To the administrators: a job processing an event's data failed for good. */
export class JobFailedNotification implements MailNotification {
  constructor(
    private readonly event: { id: number; name: string },
    private readonly error: Error,
  ) {}

  toMail(to: Address | string): Mailable {
    return {
      to,
      subject: `Processing event #${this.event.id} failed`,
      text: `Processing the data of "${this.event.name}" (#${this.event.id}) failed for good:\n\n${this.error.message}`,
    };
  }
}

/** To the user who started an import: every chunk was imported. */
export class ImportCompletedNotification implements MailNotification {
  constructor(private readonly batch: { name: string; totalJobs: number }) {}

  toMail(to: Address | string): Mailable {
    return { to, subject: `${this.batch.name}: done`, text: `Your import finished: all ${this.batch.totalJobs} jobs succeeded.` };
  }
}

/** To the user who asked for an export: the download link. */
export class ExportReadyNotification implements MailNotification {
  constructor(private readonly downloadUrl: string) {}

  toMail(to: Address | string): Mailable {
    return { to, subject: 'Your attendee export is ready', text: `Download it within 7 days: ${this.downloadUrl}` };
  }
}

/** To the user who asked for an export: it failed. */
export class ExportFailedNotification implements MailNotification {
  constructor(
    private readonly event: { id: number; name: string },
    private readonly reason: string,
  ) {}

  toMail(to: Address | string): Mailable {
    return { to, subject: `The attendee export of "${this.event.name}" failed`, text: `We could not export the attendees: ${this.reason}` };
  }
}

/** To the alerts channel: a critical job failed. */
export class CriticalJobFailedNotification implements SlackNotification {
  constructor(
    private readonly connection: string,
    private readonly jobName: string,
    private readonly jobId: string,
    private readonly message: string,
  ) {}

  toSlack(): { text: string } {
    return { text: `:rotating_light: Critical job ${this.jobName} (${this.jobId}) failed on ${this.connection}: ${this.message}` };
  }
}
