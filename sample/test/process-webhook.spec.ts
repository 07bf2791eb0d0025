import { createHash } from 'node:crypto';
import { WebhookReceivers } from '../src/http/webhook-receivers';
import { ProcessWebhook, ProcessWebhookData, WEBHOOK_BACKOFF, webhookUniqueId } from '../src/jobs/process-webhook.job';
import { QueueInspector } from '../src/run/queue-inspector';
import { AppLog } from '../src/support/app-log';
import { WebhookException } from '../src/webhooks/webhook.exception';
import { JobContextDouble } from './support/job-context-double';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('ProcessWebhook', () => {
  let t: SampleTestApp;
  let receivers: WebhookReceivers;
  beforeEach(async () => {
    t = await startSampleApp();
    receivers = t.get(WebhookReceivers);
  });
  afterEach(() => t.close());

  it('logs a 2xx call in webhook_logs, with the payload and headers the receiver got', async () => {
    const data = { url: receivers.url('crm'), payload: { event: 'attendee.registered', id: 42 }, headers: { 'X-Meet2Be-Event': 'attendee.registered' } };
    const id = await t.bus.dispatch(ProcessWebhook, data);
    await t.work();
    expect(receivers.received).toEqual([
      { receiver: 'crm', status: 200, body: JSON.stringify(data.payload), headers: { 'x-meet2be-event': 'attendee.registered' } },
    ]);
    const logs = await t.db.table<{ url: string; payload: string; status: number; response: string }>('webhook_logs').select('url', 'payload', 'status', 'response');
    expect(logs).toEqual([{ url: data.url, payload: JSON.stringify(data.payload), status: 200, response: expect.stringContaining('"ok":true') }]);
    expect(await t.failed.find(id as string)).toBeNull();
  });

  it('is unique by md5(url + payload): the same call dispatched again resolves to null until the first has run', async () => {
    const data = { url: receivers.url('crm'), payload: { event: 'x' } };
    expect(webhookUniqueId(data)).toBe(createHash('md5').update(`${data.url}{"event":"x"}`).digest('hex'));
    expect(await t.bus.dispatch(ProcessWebhook, data)).toEqual(expect.any(String));
    expect(await t.bus.dispatch(ProcessWebhook, data)).toBeNull();
    expect(await t.bus.dispatch(ProcessWebhook, { ...data, payload: { event: 'y' } })).toEqual(expect.any(String));
    await t.work();
    expect(receivers.received).toHaveLength(2);
    expect(await t.bus.dispatch(ProcessWebhook, data)).toEqual(expect.any(String));
  });

  it('releases the job for 30 s when the receiver answers 5xx, and logs a warning', async () => {
    const id = await t.bus.dispatch(ProcessWebhook, { url: receivers.url('billing'), payload: { invoice: 'INV-1' } });
    await t.work();
    const waiting = await t.get(QueueInspector).delayed(['webhooks']);
    expect(waiting.map((w) => ({ id: w.id, attempts: w.attempts }))).toEqual([{ id, attempts: 1 }]);
    expect(waiting[0].availableIn).toBeGreaterThan(25);
    expect(waiting[0].availableIn).toBeLessThanOrEqual(30);
    expect(t.get(AppLog).find('Webhook failed').map((e) => e.context)).toEqual([
      { url: receivers.url('billing'), status: 503, body: 'Service Unavailable: billing is down for maintenance' },
    ]);
    expect(await t.failed.all()).toEqual([]);
  });

  it('releases for the backoff of the attempt: 30, 60, 120, 300, 600 s, then 600', async () => {
    const handler = t.get(ProcessWebhook);
    const data: ProcessWebhookData = { url: receivers.url('billing'), payload: { invoice: 'INV-2' } };
    const delays: (number | null)[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const job = new JobContextDouble('ProcessWebhook', data, attempt, 'webhooks', 5);
      await handler.handle(data, job);
      delays.push(job.released);
    }
    expect(delays).toEqual([...WEBHOOK_BACKOFF, 600]);
  });

  it('fails the job for good with a WebhookException on a 4xx, without retrying or logging it as sent', async () => {
    const id = await t.bus.dispatch(ProcessWebhook, { url: receivers.url('partner'), payload: { event: 'attendee.teleported' } });
    await t.work();
    const record = await t.failed.find(id as string);
    expect(record).toMatchObject({ id, connection: 'redis', queue: 'webhooks' });
    expect(record?.exception).toMatch(/^WebhookException: Webhook returned 422: \{"error":"unknown event type"\}\n/);
    expect(receivers.received).toHaveLength(1);
    expect(await t.db.table('webhook_logs').select('id')).toEqual([]);
    expect(await t.get(QueueInspector).delayed(['webhooks'])).toEqual([]);
    expect(t.get(AppLog).find('Job failed').map((e) => e.context)).toEqual([
      { connection: 'redis', job: 'ProcessWebhook', exception: 'Webhook returned 422: {"error":"unknown event type"}' },
    ]);
  });

  it('names the failure a WebhookException when handle() is called directly', async () => {
    const data: ProcessWebhookData = { url: receivers.url('partner'), payload: { event: 'x' } };
    const job = new JobContextDouble('ProcessWebhook', data, 1, 'webhooks', 5);
    await t.get(ProcessWebhook).handle(data, job);
    expect(job.failedWith).toBeInstanceOf(WebhookException);
    expect(job.released).toBeNull();
  });
});
