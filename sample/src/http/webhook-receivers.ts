import { Injectable } from '@nestjs/common';
import { HttpReply, HttpRequest, SampleHttpServer } from './sample-http-server';

export interface ReceivedWebhook {
  receiver: string;
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * How each stand-in answers: a partner that is up, one that is down, one that rejects our payload, and the
 * warehouse's API, which accepts pick lists.
 */
const RECEIVERS: Record<string, (body: string) => HttpReply> = {
  crm: (body) => ({ status: 200, body: JSON.stringify({ ok: true, received: JSON.parse(body) }), headers: { 'content-type': 'application/json' } }),
  billing: () => ({ status: 503, body: 'Service Unavailable: billing is down for maintenance' }),
  partner: () => ({ status: 422, body: JSON.stringify({ error: 'unknown event type' }), headers: { 'content-type': 'application/json' } }),
  warehouse: () => ({ status: 202, body: JSON.stringify({ accepted: true }), headers: { 'content-type': 'application/json' } }),
};

/**
 * Stand-ins for the third parties the jobs post to, at `<server>/receivers/<name>`: `crm` answers 200, `billing`
 * 503, `partner` 422 (ProcessWebhook), `warehouse` 202 (NotifyWarehouse). Every request is kept, so the sample can
 * show what each receiver got.
 */
@Injectable()
export class WebhookReceivers {
  readonly received: ReceivedWebhook[] = [];

  constructor(private readonly server: SampleHttpServer) {
    server.route('POST', '/receivers/', (request) => this.receive(request));
  }

  /** The URL of a stand-in receiver. */
  url(receiver: keyof typeof RECEIVERS): string {
    return `${this.server.url}/receivers/${receiver}`;
  }

  private receive(request: HttpRequest): HttpReply {
    const name = request.url.pathname.slice('/receivers/'.length);
    const answer = RECEIVERS[name];
    if (!answer) return { status: 404, body: `No receiver named ${name}` };
    const reply = answer(request.body);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) if (typeof value === 'string' && key.startsWith('x-')) headers[key] = value;
    this.received.push({ receiver: name, status: reply.status, body: request.body, headers });
    return reply;
  }
}
