import { Injectable } from '@nestjs/common';
import { SampleHttpServer } from './sample-http-server';

/**
 * Stands in for a Slack incoming webhook (config('services.slack.alerts')): accepts `POST {"text": ...}` as Slack
 * does and keeps the messages, so the sample can show the alerts it sent.
 */
@Injectable()
export class SlackStandIn {
  readonly messages: string[] = [];

  constructor(private readonly server: SampleHttpServer) {
    server.route('POST', '/services/slack/alerts', (request) => {
      const body = JSON.parse(request.body) as { text?: unknown };
      if (typeof body.text !== 'string' || body.text === '') return { status: 400, body: 'no_text' };
      this.messages.push(body.text);
      return { status: 200, body: 'ok' };
    });
  }

  /** The webhook URL alerts are posted to. */
  get alertsUrl(): string {
    return `${this.server.url}/services/slack/alerts`;
  }
}
