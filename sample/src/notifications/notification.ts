import type { Mailable, Address } from '../mail/mailable';

/** A notification sent by mail (Laravel's toMail()). */
export interface MailNotification {
  toMail(to: Address | string): Mailable;
}

/** A notification sent to a Slack channel (Laravel's toSlack()). */
export interface SlackNotification {
  toSlack(): { text: string };
}
