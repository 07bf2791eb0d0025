import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Batch, Bus, FailedJobs, job } from '../../../lib';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';
import { DEMO } from '../database/demo-data';
import { WebhookReceivers } from '../http/webhook-receivers';
import { ImportService } from '../imports/import.service';
import type { ImportRow } from '../imports/import-row';
import { ExportEventAttendees } from '../jobs/export-event-attendees.job';
import { ProcessRecord } from '../jobs/imports/process-record.job';
import { ProcessEventData } from '../jobs/process-event-data.job';
import { ProcessWebhook } from '../jobs/process-webhook.job';
import { SendTransactionalEmail } from '../jobs/send-transactional-email.job';
import { SendWelcomeEmail } from '../jobs/send-welcome-email.job';
import { OrderService } from '../orders/order.service';
import { UserRepository } from '../users/user.repository';
import { workUntilSettled, WorkOptions, WorkResult } from './work';

/** A batch as it stood at one moment (Batch objects are snapshots; these keep the numbers printable). */
export interface BatchState {
  id: string;
  name: string;
  progress: number;
  totalJobs: number;
  pendingJobs: number;
  failedJobs: number;
  cancelled: boolean;
  finished: boolean;
}

export function batchState(batch: Batch): BatchState {
  return {
    id: batch.id,
    name: batch.name,
    progress: batch.progress(),
    totalJobs: batch.totalJobs,
    pendingJobs: batch.pendingJobs,
    failedJobs: batch.failedJobs,
    cancelled: batch.cancelled(),
    finished: batch.finished(),
  };
}

export interface ImportRun {
  label: string;
  file: string;
  atDispatch: BatchState;
  /** After `add()` or `cancel()`, when the scenario did one. */
  afterChange: BatchState | null;
  change: string | null;
  final: BatchState | null;
}

/** What the scenario sent, and what it saw that only it knows. */
export interface ScenarioFacts {
  welcome: { ada: string | null; missingUser: string | null; retried: string[] };
  transactional: { userId: number; ids: (string | null)[] };
  eventData: { laracon: string | null; duplicate: string | null; archived: string | null; deleted: string | null };
  imports: ImportRun[];
  orders: { sequential: number[]; conditional: { orderId: number; planned: string[] }[] };
  exports: { csv: string | null; xyz: string | null };
  webhooks: { delivered: string | null; duplicate: string | null; serverError: string | null; clientError: string | null };
  work: WorkResult[];
}

const IMPORTS: { label: string; file: string; rows: ImportRow[] }[] = [
  {
    label: 'complete',
    file: 'users-new-speakers.json',
    rows: [
      { name: 'Barbara Liskov', email: 'barbara@meet2be.test' },
      { name: 'Donald Knuth', email: 'donald@meet2be.test' },
      { name: 'Margaret Hamilton', email: 'margaret@meet2be.test' },
      { name: 'Ken Thompson', email: 'ken@meet2be.test' },
      { name: 'Radia Perlman', email: 'radia@meet2be.test' },
    ],
  },
  {
    label: 'with a bad chunk',
    file: 'users-with-duplicate.json',
    rows: [
      { name: 'Frances Allen', email: 'frances@meet2be.test' },
      { name: 'John McCarthy', email: 'john@meet2be.test' },
      { name: 'Edsger Dijkstra', email: 'edsger@meet2be.test' },
      { name: 'Ada (again)', email: 'ada@meet2be.test' },
    ],
  },
  {
    label: 'cancelled',
    file: 'users-cancelled.json',
    rows: [
      { name: 'Alan Turing', email: 'alan@meet2be.test' },
      { name: 'Alonzo Church', email: 'alonzo@meet2be.test' },
      { name: 'Kurt Gödel', email: 'kurt@meet2be.test' },
    ],
  },
];

/** A record added to the first import while it runs (the seed's `$batch->add([new ProcessRecord($record)])`). */
export const ADDED_RECORD: ImportRow = { name: 'Sophie Wilson', email: 'sophie@meet2be.test' };

/**
 * The seed's examples, sent the way its app sends them, then worked off: welcome and transactional mail,
 * event data, three user imports, four orders through two kinds of chain, two exports, three webhooks.
 */
export async function runScenario(app: INestApplicationContext, work: WorkOptions = {}): Promise<ScenarioFacts> {
  const bus = app.get(Bus);
  const settings = app.get<SampleSettings>(SAMPLE_SETTINGS);
  const receivers = app.get(WebhookReceivers);
  const users = app.get(UserRepository);

  const welcome = {
    ada: await bus.dispatch(SendWelcomeEmail, { userId: DEMO.users.ada }),
    missingUser: await bus.dispatch(SendWelcomeEmail, { userId: DEMO.missingUserId }),
    retried: [] as string[],
  };

  const transactional = { userId: DEMO.users.grace, ids: [] as (string | null)[] };
  for (let i = 1; i <= 11; i++) {
    transactional.ids.push(
      await bus.dispatch(SendTransactionalEmail, {
        userId: DEMO.users.grace,
        template: 'event-reminder',
        data: { event: 'Laracon EU', time: `${8 + (i % 3)}:00`, n: i },
      }),
    );
  }

  const eventData = {
    laracon: await bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon }),
    duplicate: await bus.dispatch(ProcessEventData, { eventId: DEMO.events.laracon }),
    archived: await bus.dispatch(ProcessEventData, { eventId: DEMO.events.archived }),
    deleted: await bus.dispatch(ProcessEventData, { eventId: DEMO.events.deleted }),
  };

  const imports = await startImports(app, settings.storageDir, await users.findOrFail(DEMO.users.ada));

  const orderService = app.get(OrderService);
  const sequential = [DEMO.orders.physical, DEMO.orders.declined];
  for (const orderId of sequential) await orderService.processOrder(orderId);
  const conditional: { orderId: number; planned: string[] }[] = [];
  for (const orderId of [DEMO.orders.physicalFlaky, DEMO.orders.digital]) {
    conditional.push({ orderId, planned: (await orderService.processConditionally(orderId)).steps });
  }

  const exports = {
    csv: await bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada, format: 'csv' }),
    xyz: await bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada, format: 'xyz' }),
  };

  const registration = { event: 'attendee.registered', attendee: { name: 'Jess Archer', ticket: 'LCEU-0042' } };
  const webhooks = {
    delivered: await bus.dispatch(ProcessWebhook, { url: receivers.url('crm'), payload: registration, headers: { 'X-Meet2Be-Event': 'attendee.registered' } }),
    duplicate: await bus.dispatch(ProcessWebhook, { url: receivers.url('crm'), payload: registration, headers: { 'X-Meet2Be-Event': 'attendee.registered' } }),
    serverError: await bus.dispatch(ProcessWebhook, { url: receivers.url('billing'), payload: { event: 'invoice.paid', invoice: 'INV-2026-0107' } }),
    clientError: await bus.dispatch(ProcessWebhook, { url: receivers.url('partner'), payload: { event: 'attendee.teleported' } }),
  };

  const worked = [await workUntilSettled(app, work)];

  // "Handle failed jobs programmatically": the missing user has signed up since; retry the welcome mails that failed.
  await users.create({ id: DEMO.missingUserId, name: 'Katherine Johnson', email: 'katherine@meet2be.test' });
  welcome.retried = await retryFailedWelcomeEmails(app);
  worked.push(await workUntilSettled(app, work));

  for (const run of imports) {
    const batch = await bus.findBatch(run.atDispatch.id);
    run.final = batch ? batchState(batch) : null;
  }

  return {
    welcome,
    transactional,
    eventData,
    imports,
    orders: { sequential, conditional },
    exports,
    webhooks,
    work: worked,
  };
}

/** Writes the three import files and starts their batches: one gets a record added, one is cancelled at once. */
async function startImports(app: INestApplicationContext, storageDir: string, requestedBy: { id: number; name: string; email: string }): Promise<ImportRun[]> {
  const importer = app.get(ImportService);
  const dir = join(storageDir, 'imports');
  await mkdir(dir, { recursive: true });
  const runs: ImportRun[] = [];
  for (const spec of IMPORTS) {
    const file = join(dir, spec.file);
    await writeFile(file, JSON.stringify(spec.rows, null, 2));
    const batch = await importer.importUsers(file, requestedBy);
    const run: ImportRun = { label: spec.label, file, atDispatch: batchState(batch), afterChange: null, change: null, final: null };
    if (spec.label === 'complete') {
      // Add more jobs to batch
      run.afterChange = batchState(await batch.add([job(ProcessRecord, { record: ADDED_RECORD })]));
      run.change = `added ProcessRecord(${ADDED_RECORD.email})`;
    } else if (spec.label === 'cancelled') {
      // Cancel batch
      await batch.cancel();
      run.afterChange = batchState(await batch.fresh());
      run.change = 'cancelled before any of its jobs ran';
    }
    runs.push(run);
  }
  return runs;
}

/** The seed's loop over failed_jobs: retry those whose payload says they were welcome mails. */
async function retryFailedWelcomeEmails(app: INestApplicationContext): Promise<string[]> {
  const failed = app.get(FailedJobs);
  const ids: string[] = [];
  for (const record of await failed.all()) {
    const payload = JSON.parse(record.payload) as { job?: string };
    if (payload.job === 'SendWelcomeEmail') ids.push(record.id);
  }
  return ids.length ? failed.retry(ids) : [];
}
