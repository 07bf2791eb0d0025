import { DEMO } from '../database/demo-data';
import type { SummaryData } from './collect';

export interface Check {
  what: string;
  ok: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What the seed says should have happened, checked against what did: `npm run sample` exits 1 if any is false. */
export function checkRun(d: SummaryData): Check[] {
  const mailsTo = (address: string) => d.mails.filter((m) => m.to.some((t) => t.address === address));
  const failed = (id: string | null) => d.failed.find((f) => f.id === id);
  const logged = (message: string) => d.logs.filter((e) => e.message === message);
  const steps = (orderId: number) => d.orders.find((o) => o.order.id === orderId)?.steps.map((s) => `${s.step}#${s.attempt}`) ?? [];
  const imports = d.facts.imports;
  const checks: Check[] = [
    { what: 'welcome mail sent to user 1', ok: mailsTo('ada@meet2be.test').some((m) => m.subject === 'Welcome to Meet2Be, Ada!') },
    { what: 'welcome mail for a missing user failed, its failed() logged it', ok: logged('Failed to send welcome email').length === 1 },
    { what: 'the failed welcome mail was retried and sent once the user existed', ok: d.facts.welcome.retried.length === 1 && mailsTo('katherine@meet2be.test').length === 1 },
    { what: '10 transactional mails sent, the 11th released for 60 s', ok: mailsTo('grace@meet2be.test').length === 10 && d.waiting.filter((w) => w.job === 'SendTransactionalEmail' && w.availableIn > 50).length === 1 },
    { what: 'event #1 processed with statistics and a report', ok: d.events[0].processed && d.events[0].statistics?.registered === 5 && d.events[0].report !== null },
    { what: 'second ProcessEventData for event #1 resolved to null (unique)', ok: d.facts.eventData.laracon !== null && d.facts.eventData.duplicate === null },
    { what: 'archived event: failed, administrators mailed', ok: failed(d.facts.eventData.archived) !== undefined && mailsTo('admin@meet2be.test').length === 1 },
    { what: 'deleted event: job deleted quietly', ok: !failed(d.facts.eventData.deleted) && !d.waiting.some((w) => w.id === d.facts.eventData.deleted) },
    { what: 'complete import: finished at 100%, then mailed, cache forgotten', ok: imports[0].final?.finished === true && imports[0].final.progress === 100 && imports[0].final.totalJobs === 4 && d.mails.some((m) => m.subject.startsWith('User Import')) && !d.importCacheLeft[imports[0].atDispatch.id] },
    { what: 'import with a bad chunk: 1 failed, catch logged, chunk rolled back, finally ran', ok: imports[1].final?.failedJobs === 1 && logged('Import batch failed').length === 1 && !d.userEmails.has('edsger@meet2be.test') && d.userEmails.has('john@meet2be.test') && !d.importCacheLeft[imports[1].atDispatch.id] },
    { what: 'cancelled import: cancelled, none of its users imported', ok: imports[2].final?.cancelled === true && !['alan', 'alonzo', 'kurt'].some((n) => d.userEmails.has(`${n}@meet2be.test`)) },
    {
      what: 'order chain ran in order, the warehouse API got the pick list',
      ok:
        same(steps(DEMO.orders.physical), ['ProcessPayment#1', 'UpdateInventory#1', 'SendOrderConfirmation#1', 'NotifyWarehouse#1']) &&
        d.webhookRequests.filter((r) => r.receiver === 'warehouse').map((r) => (JSON.parse(r.body) as { order: number }).order).join() === String(DEMO.orders.physical),
    },
    { what: 'declined order: chain stopped, catch logged the error', ok: same(steps(DEMO.orders.declined), ['ProcessPayment#1']) && logged('Order processing chain failed').some((e) => e.context.order_id === DEMO.orders.declined && e.context.error === 'Your card was declined.') },
    { what: 'conditional chain with shipping, payment retried once', ok: same(steps(DEMO.orders.physicalFlaky), ['ValidateOrder#1', 'ProcessPayment#1', 'ProcessPayment#2', 'CalculateShipping#1', 'CreateShippingLabel#1', 'SendConfirmation#1']) },
    { what: 'conditional chain without shipping', ok: same(steps(DEMO.orders.digital), ['ValidateOrder#1', 'ProcessPayment#1', 'SendConfirmation#1']) },
    { what: 'export link downloads the CSV (header + 5 attendees)', ok: d.link?.download.status === 200 && d.link.download.body.trim().split('\n').length === 6 },
    { what: 'export link refused with a changed signature and once expired', ok: d.link?.tampered.status === 403 && d.link.expired.status === 403 && Math.round(d.link.validForDays) === 7 },
    { what: 'export as xyz failed with "Unsupported format: xyz"', ok: failed(d.facts.exports.xyz)?.exception.includes('Unsupported format: xyz') === true },
    { what: 'webhook 2xx logged, duplicate dispatch null', ok: d.webhookLogs.length === 1 && d.webhookLogs[0].status === 200 && d.facts.webhooks.duplicate === null },
    { what: 'webhook 5xx released for 30 s', ok: d.waiting.some((w) => w.id === d.facts.webhooks.serverError && w.attempts === 1 && w.availableIn > 20) },
    { what: 'webhook 4xx failed with a WebhookException record', ok: failed(d.facts.webhooks.clientError)?.exception.startsWith('WebhookException: Webhook returned 422') === true },
    { what: 'JobFailed listener logged every failure and alerted Slack for the critical ones', ok: logged('Job failed').length === d.failed.length + d.facts.welcome.retried.length && d.slack.length === 2 },
  ];
  return checks;
}
