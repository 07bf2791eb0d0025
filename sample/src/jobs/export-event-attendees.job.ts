import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { Job, JobContext, OnFailed, OnQueue } from '../../../lib';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';
import { EventRepository } from '../events/event.repository';
import { exporterFor } from '../exports/exporter';
import { ExportFailedNotification, ExportReadyNotification } from '../notifications/notifications';
import { Notifier } from '../notifications/notifier';
import { Storage } from '../filesystem/storage';
import { UserRepository } from '../users/user.repository';
import { LONG_CONNECTION } from '../config/connections';

export interface ExportEventAttendeesData {
  eventId: number;
  requestedBy: number;
  /** Default 'csv'. */
  format?: string;
}

/** Days a download link stays valid. */
export const EXPORT_LINK_DAYS = 7;

/**
 * The seed's ExportEventAttendees: writes the attendees in the asked format to a local file, stores it on the
 * storage disk under `exports/<tenant>`, mails the requester a temporary link valid for 7 days, removes the local
 * file. A format with no exporter fails with "Unsupported format: <format>" and the requester is told.
 */
@Job()
@OnQueue('exports', LONG_CONNECTION)
export class ExportEventAttendees {
  constructor(
    private readonly events: EventRepository,
    private readonly users: UserRepository,
    private readonly storage: Storage,
    private readonly notifier: Notifier,
    @Inject(SAMPLE_SETTINGS) private readonly settings: SampleSettings,
  ) {}

  async handle(data: ExportEventAttendeesData, _job: JobContext<ExportEventAttendeesData>): Promise<void> {
    const format = data.format ?? 'csv';
    const event = await this.events.findOrFail(data.eventId);
    const requestedBy = await this.users.findOrFail(data.requestedBy);
    const fileName = `event_${event.id}_attendees.${format}`;
    const dir = join(this.settings.storageDir, 'exports');
    await mkdir(dir, { recursive: true });
    const filePath = join(dir, fileName);

    // Generate export
    const exporter = exporterFor(format);
    await exporter.export(await this.events.attendees(event.id), filePath);

    // Store on the disk, then create the download link
    const path = await this.storage.putFile(`exports/${event.tenantId}`, filePath);
    const downloadUrl = this.storage.temporaryUrl(path, new Date(Date.now() + EXPORT_LINK_DAYS * 86400_000));

    // Notify user
    await this.notifier.mail({ name: requestedBy.name, address: requestedBy.email }, new ExportReadyNotification(downloadUrl));

    // Clean up local file
    await unlink(filePath);
  }

  @OnFailed()
  async failed(data: ExportEventAttendeesData, error: Error): Promise<void> {
    const requestedBy = await this.users.findOrFail(data.requestedBy);
    const event = await this.events.findOrFail(data.eventId).catch(() => ({ id: data.eventId, name: `event #${data.eventId}` }));
    await this.notifier.mail({ name: requestedBy.name, address: requestedBy.email }, new ExportFailedNotification(event, error.message));
  }
}
