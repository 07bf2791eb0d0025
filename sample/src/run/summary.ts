import { DEMO } from '../database/demo-data';
import { LONG_CONNECTION, SAMPLE_QUEUE_DRIVER } from '../config/connections';
import { WORKER_QUEUES } from '../config/queue.config';
import { CSV_COLUMNS } from '../exports/csv-exporter';
import { WEBHOOK_BACKOFF } from '../jobs/process-webhook.job';
import { ADDED_RECORD } from './scenario';
import type { FailedSummary, SummaryData } from './collect';

/** The run as readable text: one section per part of the seed's guide. */
export function formatSummary(d: SummaryData, header: string[]): string[] {
  const out: string[] = [...header, ''];
  const section = (title: string) => out.push('', `── ${title} ${'─'.repeat(Math.max(0, 100 - title.length))}`);
  const line = (text = '') => out.push(`  ${text}`);
  const failedFor = (id: string | null): FailedSummary | undefined => d.failed.find((f) => f.id === id);
  const logs = (message: string) => d.logs.filter((e) => e.message === message);

  const rounds = d.facts.work.map((w) => `${w.rounds} round${w.rounds === 1 ? '' : 's'} in ${w.seconds.toFixed(1)} s`);
  line(`Workers: ${Object.entries(WORKER_QUEUES).map(([connection, queues]) => `${connection} (${queues})`).join(' and ')},`);
  line(`         --stop-when-empty, again whenever a released job fell due within 5 s: ${rounds.join('; then, after the retry, ')}.`);

  section('Basic job: SendWelcomeEmail (queue "emails")');
  const welcome = d.mails.find((m) => m.to[0]?.address === 'ada@meet2be.test' && m.subject.startsWith('Welcome'));
  if (welcome) {
    line(`sent to user ${DEMO.users.ada}; the message as nodemailer's JSON transport produced it:`);
    for (const l of JSON.stringify(welcome, null, 2).split('\n')) line(`  ${l}`);
  } else line('✗ no welcome mail for user 1');
  const welcomeFailedLog = logs('Failed to send welcome email')[0];
  if (welcomeFailedLog) {
    line(`user ${DEMO.missingUserId} did not exist: the job failed, and its failed() logged`);
    line(`  "Failed to send welcome email" ${JSON.stringify(welcomeFailedLog.context)}`);
  } else line(`user ${DEMO.missingUserId}: ✗ its failure was not logged`);
  const katherine = d.mails.find((m) => m.to[0]?.address === 'katherine@meet2be.test');
  line(
    `after user ${DEMO.missingUserId} signed up, FailedJobs.retry() re-sent ${d.facts.welcome.retried.length} failed welcome job(s): ` +
      (katherine ? `mail "${katherine.subject}" sent to katherine@meet2be.test` : 'no mail yet'),
  );

  section('Email job: SendTransactionalEmail (queue "transactional-emails", 10 per user per hour in the cache)');
  const transactional = d.mails.filter((m) => m.to[0]?.address === 'grace@meet2be.test');
  const rateLimited = d.waiting.filter((w) => w.job === 'SendTransactionalEmail');
  line(`${d.facts.transactional.ids.length} dispatched for user ${d.facts.transactional.userId}: ${transactional.length} sent (${d.emailLogs} email_logs rows),`);
  for (const w of rateLimited) line(`  ${ordinal(d.facts.transactional.ids.indexOf(w.id) + 1)} released by the rate limit: back on the queue in ${w.availableIn.toFixed(0)} s (release(60))`);
  if (transactional[0]) line(`first one: ${JSON.stringify({ to: transactional[0].to, subject: transactional[0].subject, text: transactional[0].text })}`);

  section(`Advanced job: ProcessEventData (${LONG_CONNECTION}, queue "processing")`);
  const [laracon, archived] = d.events;
  line(`event #${laracon.id} "${laracon.name}": processed=${laracon.processed}; report: ${laracon.report ?? '(none)'}`);
  line(`dispatched again for event #${laracon.id} while the first was queued: ${d.facts.eventData.duplicate === null ? 'null (unique lock held, nothing sent)' : `sent as ${d.facts.eventData.duplicate}!`}`);
  const archivedFail = failedFor(d.facts.eventData.archived);
  line(`event #${archived.id} (archived): failed at once (${archivedFail?.exception ?? 'no failed record'})`);
  const adminMail = d.mails.find((m) => m.to[0]?.address === 'admin@meet2be.test');
  line(`  failed() notified the administrators: ${adminMail ? `"${adminMail.subject}" to admin@meet2be.test` : 'no mail'}`);
  const deletedFail = failedFor(d.facts.eventData.deleted);
  const deletedWaiting = d.waiting.some((w) => w.id === d.facts.eventData.deleted);
  line(
    `event #${DEMO.events.deleted} (deleted): ${!deletedFail && !deletedWaiting ? 'the job was deleted quietly (deleteWhenMissing): no failed record, no retry' : 'NOT deleted quietly'}`,
  );

  section('Job batching: ImportService.importUsers() (queue "imports", allowFailures)');
  for (const run of d.facts.imports) {
    const snapshots = d.batchSnapshots.filter((s) => s.batchId === run.atDispatch.id);
    const f = run.final;
    line(`"${run.label}" import, batch ${run.atDispatch.id}:`);
    line(`  dispatched: ${run.atDispatch.totalJobs} jobs, progress ${run.atDispatch.progress}%`);
    if (run.afterChange && run.change) line(`  ${run.change}: totalJobs ${run.afterChange.totalJobs}, pendingJobs ${run.afterChange.pendingJobs}, cancelled ${run.afterChange.cancelled}`);
    if (snapshots.length) line(`  progress after each job: ${snapshots.map((s) => `${s.progress}%${s.outcome === 'failed' ? ' (failed)' : ''}`).join(' → ')}`);
    if (f) line(`  final: progress ${f.progress}%, total ${f.totalJobs}, pending ${f.pendingJobs}, failed ${f.failedJobs}, finished ${f.finished}, cancelled ${f.cancelled}`);
    line(`  cache key import_batch_<id>: ${d.importCacheLeft[run.atDispatch.id] ? 'still there' : 'forgotten by the finally job'}`);
  }
  const importDone = d.mails.filter((m) => m.subject.startsWith('User Import'));
  line(`then: ${importDone.length ? importDone.map((m) => `"${m.subject}" mailed to ${m.to[0].address}`).join('; ') : 'not run'}`);
  for (const entry of logs('Import batch failed')) line(`catch: logged "Import batch failed" ${JSON.stringify(entry.context)}`);
  const imported = (emails: string[]) => emails.filter((e) => d.userEmails.has(e));
  line(`users imported by the first import + the added record: ${imported(['barbara@meet2be.test', 'donald@meet2be.test', 'margaret@meet2be.test', 'ken@meet2be.test', 'radia@meet2be.test', ADDED_RECORD.email]).length}/6`);
  line(`bad chunk rolled back by WithDatabaseTransaction: edsger@meet2be.test ${d.userEmails.has('edsger@meet2be.test') ? 'PRESENT' : 'absent'}; the good chunk's frances@ and john@ ${imported(['frances@meet2be.test', 'john@meet2be.test']).length === 2 ? 'present' : 'missing'}`);
  line(`cancelled import: ${imported(['alan@meet2be.test', 'alonzo@meet2be.test', 'kurt@meet2be.test']).length} of 3 users imported (SkipIfBatchCancelled)`);

  section('Job chains');
  for (const summary of d.orders) {
    const kind = d.facts.orders.sequential.includes(summary.order.id) ? 'sequential' : 'conditional';
    const planned = d.facts.orders.conditional.find((c) => c.orderId === summary.order.id)?.planned;
    line(`order #${summary.order.id} (${kind}${planned ? `, ${summary.order.requiresShipping ? 'ships' : 'digital'}` : ''}): status ${summary.order.status}`);
    if (planned) line(`  chain built: ${planned.join(' → ')}`);
    line(`  ran:         ${summary.steps.map((s) => (s.attempt > 1 ? `${s.step} (attempt ${s.attempt})` : s.step)).join(' → ')}`);
    if (summary.payments.length) line(`  payment attempts: ${summary.payments.join(', ')}`);
    if (summary.order.failureReason) line(`  failure: ${summary.order.failureReason}`);
  }
  for (const entry of logs('Order processing chain failed')) line(`catch: OrderChainFailed logged "Order processing chain failed" ${JSON.stringify(entry.context)}`);
  line(`stock after the orders (UpdateInventory, in a transaction): ${Object.entries(d.stock).map(([sku, n]) => `${sku} ${n}`).join(', ')}`);
  for (const request of d.webhookRequests.filter((r) => r.receiver === 'warehouse')) {
    line(`NotifyWarehouse (RateLimited('api-calls', 30, 60)) posted ${request.body} to the warehouse API: ${request.status}`);
  }

  section(`Export job: ExportEventAttendees (${LONG_CONNECTION}, queue "exports")`);
  if (d.link) {
    line(`csv: mailed link, valid for ${d.link.validForDays.toFixed(1)} days:`);
    line(`  ${d.link.url}`);
    line(`  GET link → ${d.link.download.status}; the file (csv-stringify, columns ${CSV_COLUMNS.join(',')}):`);
    for (const l of d.link.download.body.trimEnd().split('\n')) line(`    ${l}`);
    line(`  same link, signature changed → ${d.link.tampered.status} ${d.link.tampered.body}`);
    line(`  same file, link signed to expire a second ago → ${d.link.expired.status} ${d.link.expired.body}`);
  } else line('csv: ✗ no "export ready" mail');
  const xyz = failedFor(d.facts.exports.xyz);
  line(`xyz: ${xyz ? `failed: ${xyz.exception}` : 'no failed record'}`);
  const exportFailedMail = d.mails.find((m) => m.subject.startsWith('The attendee export'));
  if (exportFailedMail) line(`  failed() told the requester: "${exportFailedMail.subject}": ${exportFailedMail.text}`);

  section('Webhook processing: ProcessWebhook (queue "webhooks", tries 5, unique by md5(url + payload))');
  for (const request of d.webhookRequests.filter((r) => r.receiver !== 'warehouse')) line(`${request.receiver} answered ${request.status} to ${request.body}`);
  line(`2xx: logged in webhook_logs: ${d.webhookLogs.map((w) => `${w.status} ${w.url}`).join('; ') || 'nothing'}`);
  line(`same url + payload dispatched again: ${d.facts.webhooks.duplicate === null ? 'null (unique lock held)' : 'sent!'}`);
  const released = d.waiting.find((w) => w.id === d.facts.webhooks.serverError);
  line(
    `5xx: ${released ? `released after attempt ${released.attempts} for ${WEBHOOK_BACKOFF[released.attempts - 1]} s (backoff ${WEBHOOK_BACKOFF.join(', ')}); back on the queue in ${released.availableIn.toFixed(0)} s` : 'not waiting in the queue'}`,
  );
  const clientError = failedFor(d.facts.webhooks.clientError);
  line(`4xx: ${clientError ? `failed for good: ${clientError.exception}` : 'no failed record'}`);
  for (const entry of logs('Webhook failed')) line(`log warning "Webhook failed" ${JSON.stringify(entry.context)}`);

  section(`Failed jobs (failed_jobs table, SQLite): ${d.failed.length}`);
  for (const f of d.failed) line(`${f.id}  ${f.connection}:${f.queue}  ${f.job}  ${f.exception}`);

  section('Job events: JobEventListener');
  const processed = logs('Job processed');
  line(`JobProcessing ${logs('Job processing').length}, JobProcessed ${processed.length} (${processed.filter((e) => e.context.outcome === 'released').length} released), JobFailed ${logs('Job failed').length}`);
  for (const entry of logs('Job failed')) line(`Job failed ${JSON.stringify(entry.context)}`);
  for (const message of d.slack) line(`Slack alert (critical job): ${message}`);

  section(`Mail sent: ${d.mails.length}`);
  for (const m of d.mails) line(`${m.to.map((t) => t.address).join(', ').padEnd(26)} ${m.subject}`);

  section(`Still waiting ${SAMPLE_QUEUE_DRIVER === 'database' ? 'in the jobs table' : 'in Redis'} (released with a delay this run does not wait for)`);
  if (d.waiting.length === 0) line('nothing');
  for (const w of d.waiting) line(`${w.job} on "${w.queue}", attempt ${w.attempts} done, due in ${w.availableIn.toFixed(0)} s`);
  return out;
}

function ordinal(n: number): string {
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}
