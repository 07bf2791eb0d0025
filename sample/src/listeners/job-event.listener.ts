import { Injectable } from '@nestjs/common';
import { JobContext, JobFailed, JobProcessed, JobProcessing, OnQueueEvent } from '../../../lib';
import { SlackStandIn } from '../http/slack-stand-in';
import { CriticalJobFailedNotification } from '../notifications/notifications';
import { Notifier } from '../notifications/notifier';
import { AppLog } from '../support/app-log';

/** Jobs whose failure pages someone: money and event data. */
export const CRITICAL_JOBS: readonly string[] = ['ProcessPayment', 'ProcessEventData'];

/**
 * The seed's JobEventListener (EventServiceProvider's $listen for JobProcessing, JobProcessed and JobFailed):
 * logs each job's way through the worker, and for a failure logs the connection, job and message and alerts the
 * Slack channel when the job is critical.
 */
@Injectable()
export class JobEventListener {
  constructor(
    private readonly log: AppLog,
    private readonly notifier: Notifier,
    private readonly slack: SlackStandIn,
  ) {}

  @OnQueueEvent(JobProcessing)
  handleJobProcessing(event: JobProcessing): void {
    this.log.info('Job processing', describe(event.connectionName, event.job));
  }

  @OnQueueEvent(JobProcessed)
  handleJobProcessed(event: JobProcessed): void {
    const outcome = event.job.isReleased() ? 'released' : event.job.isDeleted() ? 'deleted' : 'processed';
    this.log.info('Job processed', { ...describe(event.connectionName, event.job), outcome });
  }

  @OnQueueEvent(JobFailed)
  async handleJobFailed(event: JobFailed): Promise<void> {
    this.log.error('Job failed', {
      connection: event.connectionName,
      job: event.job.name,
      exception: event.exception.message,
    });

    // Send alert for critical jobs
    if (this.isCriticalJob(event.job)) {
      await this.notifier.slack(
        this.slack.alertsUrl,
        new CriticalJobFailedNotification(event.connectionName, event.job.name, event.job.id, event.exception.message),
      );
    }
  }

  private isCriticalJob(job: JobContext): boolean {
    return CRITICAL_JOBS.includes(job.name);
  }
}

function describe(connection: string, job: JobContext): Record<string, unknown> {
  return { connection, queue: job.queue, job: job.name, id: job.id, attempts: job.attempts };
}
