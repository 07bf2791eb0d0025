import { Injectable } from '@nestjs/common';
import type { Address } from '../mail/mailable';
import { Mailer } from '../mail/mailer';
import type { MailNotification, SlackNotification } from './notification';

/** Sends notifications (Laravel's Notification facade): by mail through the Mailer, to Slack by its webhook. */
@Injectable()
export class Notifier {
  constructor(private readonly mailer: Mailer) {}

  async mail(to: Address | string, notification: MailNotification): Promise<void> {
    await this.mailer.send(notification.toMail(to));
  }

  /** Posts to a Slack incoming webhook URL, as Notification::route('slack', $url) does. */
  async slack(webhookUrl: string, notification: SlackNotification): Promise<void> {
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification.toSlack()),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Slack answered ${response.status}: ${await response.text()}`);
  }
}
