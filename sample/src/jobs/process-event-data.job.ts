import { Inject } from '@nestjs/common';
import { Job, JobContext, Middleware, OnFailed, OnQueue, RateLimited, WithoutOverlapping } from '../../../lib';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';
import { EventRepository } from '../events/event.repository';
import { EventArchivedError, EventService } from '../events/event.service';
import { JobFailedNotification } from '../notifications/notifications';
import { Notifier } from '../notifications/notifier';
import { LONG_CONNECTION } from '../config/connections';

export interface ProcessEventDataData {
  eventId: number;
}

/**
 * The seed's ProcessEventData: unique per event, one run per event at a time, rate limited by the
 * `event-processing` limiter (RateLimits), 3 tries with backoff 10/30/60 s, at most 3 exceptions, 120 s timeout,
 * retried for at most 2 hours, deleted quietly when its event no longer exists, administrators notified on failure.
 *
 * One addition to the seed: an archived event can never be processed, so that error fails the job at once
 * (`job.fail()`) rather than spending two more tries on it.
 */
@Job<ProcessEventDataData>({
  tries: 3,
  timeout: 120,
  maxExceptions: 3,
  backoff: [10, 30, 60],
  deleteWhenMissing: true,
  unique: { id: (data) => String(data.eventId) },
  retryUntil: () => Date.now() + 2 * 3600_000,
})
@OnQueue('processing', LONG_CONNECTION)
@Middleware((data: ProcessEventDataData) => [new WithoutOverlapping(data.eventId), new RateLimited('event-processing')])
export class ProcessEventData {
  constructor(
    private readonly events: EventRepository,
    private readonly service: EventService,
    private readonly notifier: Notifier,
    @Inject(SAMPLE_SETTINGS) private readonly settings: SampleSettings,
  ) {}

  async handle(data: ProcessEventDataData, job: JobContext<ProcessEventDataData>): Promise<void> {
    const event = await this.events.findOrFail(data.eventId);
    try {
      await this.service.processAttendees(event);
      await this.service.calculateStatistics(event);
      await this.service.generateReports(event);
    } catch (error) {
      if (error instanceof EventArchivedError) return job.fail(error);
      throw error;
    }
  }

  @OnFailed()
  async failed(data: ProcessEventDataData, error: Error): Promise<void> {
    // Notify administrators
    const event = await this.events.findOrFail(data.eventId).catch(() => ({ id: data.eventId, name: `event #${data.eventId}` }));
    await this.notifier.mail(this.settings.adminEmail, new JobFailedNotification(event, error));
  }
}
