import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import type { JSONSentMessageInfo, JSONTransportOptions, Transporter } from 'nodemailer';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';
import type { Mailable, SentMail } from './mailable';

/**
 * Sends mail with nodemailer (Laravel's Mail facade). The transport is nodemailer's JSON transport: the message is
 * built by nodemailer exactly as for SMTP, then handed back as JSON instead of being delivered. Each sent message
 * is written to `storage/mail/` and kept in `outbox`. Swap the transport for SMTP and nothing else changes.
 */
@Injectable()
export class Mailer {
  readonly outbox: SentMail[] = [];
  private readonly transport: Transporter<JSONSentMessageInfo, JSONTransportOptions>;
  private readonly dir: string;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    this.transport = createTransport({ jsonTransport: true }, { from: settings.mailFrom });
    this.dir = join(settings.storageDir, 'mail');
    mkdirSync(this.dir, { recursive: true });
  }

  async send(mail: Mailable): Promise<SentMail> {
    const info = await this.transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    const json = JSON.parse(info.message) as SentMail;
    const sent: SentMail = { messageId: json.messageId, from: json.from, to: json.to, subject: json.subject, text: json.text };
    if (json.html !== undefined) sent.html = json.html;
    this.outbox.push(sent);
    writeFileSync(join(this.dir, `${String(this.outbox.length).padStart(3, '0')}.json`), `${info.message}\n`);
    return sent;
  }

  /** Messages sent to `address`, oldest first. */
  sentTo(address: string): SentMail[] {
    return this.outbox.filter((m) => m.to.some((to) => to.address === address));
  }
}
