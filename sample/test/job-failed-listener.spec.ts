import { JobFailed, QueueEvents } from '../../lib';
import { DEMO } from '../src/database/demo-data';
import { SlackStandIn } from '../src/http/slack-stand-in';
import { ExportEventAttendees } from '../src/jobs/export-event-attendees.job';
import { CRITICAL_JOBS } from '../src/listeners/job-event.listener';
import { OrderService } from '../src/orders/order.service';
import { AppLog } from '../src/support/app-log';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('JobEventListener', () => {
  let t: SampleTestApp;
  beforeEach(async () => {
    t = await startSampleApp();
  });
  afterEach(() => t.close());

  it('logs the connection, job and message of every failure; alerts Slack only for critical jobs', async () => {
    const seen: string[] = [];
    t.get(QueueEvents).on(JobFailed, (e) => void seen.push(e.job.name));
    const exportId = await t.bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada, format: 'pdf' });
    await t.get(OrderService).processOrder(DEMO.orders.declined);
    await t.work();

    expect(seen.sort()).toEqual(['ExportEventAttendees', 'ProcessPayment']);
    expect(t.get(AppLog).find('Job failed').map((e) => e.context)).toEqual(
      expect.arrayContaining([
        { connection: 'redis-long', job: 'ExportEventAttendees', exception: 'Unsupported format: pdf' },
        { connection: 'redis', job: 'ProcessPayment', exception: 'Your card was declined.' },
      ]),
    );
    expect(t.get(AppLog).find('Job failed')).toHaveLength(2);
    expect(CRITICAL_JOBS).toContain('ProcessPayment');
    expect(CRITICAL_JOBS).not.toContain('ExportEventAttendees');
    const slack = t.get(SlackStandIn).messages;
    expect(slack).toHaveLength(1);
    expect(slack[0]).toMatch(/^:rotating_light: Critical job ProcessPayment \([0-9a-f-]{36}\) failed on redis: Your card was declined\.$/);
    expect(slack[0]).not.toContain(exportId as string);
  });

  it('logs each job through the worker: processing, then processed or released', async () => {
    await t.get(OrderService).processConditionally(DEMO.orders.physicalFlaky);
    await t.work();
    const log = t.get(AppLog);
    const payments = log.entries.filter((e) => e.context.job === 'ProcessPayment').map((e) => `${e.message}#${String(e.context.attempts)}${e.context.outcome ? `:${String(e.context.outcome)}` : ''}`);
    expect(payments).toEqual(['Job processing#1', 'Job processing#2', 'Job processed#2:processed']);
  });
});
