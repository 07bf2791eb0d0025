import type { INestApplicationContext } from '@nestjs/common';
import { FailedJobs } from '../../../lib';
import { Database } from '../database/database';
import { DEMO } from '../database/demo-data';
import { EventRepository, MeetEvent } from '../events/event.repository';
import { SlackStandIn } from '../http/slack-stand-in';
import { ReceivedWebhook, WebhookReceivers } from '../http/webhook-receivers';
import { importCacheKey } from '../imports/import-row';
import { BatchProgressRecorder, BatchSnapshot } from '../listeners/batch-progress.recorder';
import type { SentMail } from '../mail/mailable';
import { Mailer } from '../mail/mailer';
import { Order, OrderRepository } from '../orders/order.repository';
import { AppLog, LogEntry } from '../support/app-log';
import { Cache } from '../support/cache';
import type { LinkCheck } from './export-link-check';
import { QueueInspector, WaitingJob } from './queue-inspector';
import type { ScenarioFacts } from './scenario';
import { allWorkerQueues } from './work';

export interface FailedSummary {
  id: string;
  connection: string;
  queue: string;
  job: string;
  exception: string;
}

export interface OrderSummary {
  order: Order;
  steps: { step: string; attempt: number }[];
  payments: string[];
}

/** Everything the summary prints, read from the application after the run. */
export interface SummaryData {
  facts: ScenarioFacts;
  link: LinkCheck | null;
  mails: SentMail[];
  webhookRequests: ReceivedWebhook[];
  webhookLogs: { url: string; status: number }[];
  slack: string[];
  failed: FailedSummary[];
  waiting: WaitingJob[];
  logs: LogEntry[];
  batchSnapshots: BatchSnapshot[];
  orders: OrderSummary[];
  events: MeetEvent[];
  emailLogs: number;
  userEmails: Set<string>;
  importCacheLeft: Record<string, boolean>;
  stock: Record<string, number>;
}

export async function collectSummary(app: INestApplicationContext, facts: ScenarioFacts, link: LinkCheck | null): Promise<SummaryData> {
  const db = app.get(Database);
  const orders = app.get(OrderRepository);
  const events = app.get(EventRepository);
  const cache = app.get(Cache);

  const failed = (await app.get(FailedJobs).all())
    .map((r) => ({
      id: r.id,
      connection: r.connection,
      queue: r.queue,
      job: (JSON.parse(r.payload) as { job?: string }).job ?? '?',
      exception: r.exception.split('\n')[0],
      at: r.failedAt.getTime(),
    }))
    .sort((a, b) => a.at - b.at)
    .map(({ at: _at, ...rest }) => rest);

  const orderSummaries: OrderSummary[] = [];
  for (const id of Object.values(DEMO.orders)) {
    const payments = await db.table<{ status: string }>('payments').where('order_id', id).orderBy('id').select('status');
    orderSummaries.push({ order: await orders.findOrFail(id), steps: await orders.steps(id), payments: payments.map((p) => p.status) });
  }

  const importCacheLeft: Record<string, boolean> = {};
  for (const run of facts.imports) importCacheLeft[run.atDispatch.id] = await cache.has(importCacheKey(run.atDispatch.id));

  const stock: Record<string, number> = {};
  for (const row of await db.table<{ sku: string; stock: number }>('products').select('sku', 'stock')) stock[row.sku] = row.stock;

  const users = await db.table<{ email: string }>('users').select('email');
  const [{ n: emailLogs }] = await db.table('email_logs').count<{ n: number }[]>({ n: '*' });

  return {
    facts,
    link,
    mails: [...app.get(Mailer).outbox],
    webhookRequests: [...app.get(WebhookReceivers).received],
    webhookLogs: await db.table<{ url: string; status: number }>('webhook_logs').orderBy('id').select('url', 'status'),
    slack: [...app.get(SlackStandIn).messages],
    failed,
    waiting: await app.get(QueueInspector).delayed(allWorkerQueues()),
    logs: [...app.get(AppLog).entries],
    batchSnapshots: [...app.get(BatchProgressRecorder).snapshots],
    orders: orderSummaries,
    events: [await events.findOrFail(DEMO.events.laracon), await events.findOrFail(DEMO.events.archived)],
    emailLogs: Number(emailLogs),
    userEmails: new Set(users.map((u) => u.email)),
    importCacheLeft,
    stock,
  };
}
