import { Job, JobContext } from '../../../../lib';
import { Address } from '../../mail/mailable';
import { ImportCompletedNotification } from '../../notifications/notifications';
import { Notifier } from '../../notifications/notifier';

/**
 * The import batch's `then`: every job succeeded; tell the user in the batch's options. As in Laravel, `then` also
 * runs for a cancelled batch whose remaining jobs were skipped (they count as done), so a cancelled import is
 * not reported as completed.
 */
@Job()
export class NotifyImportCompleted {
  constructor(private readonly notifier: Notifier) {}

  async handle(_data: Record<string, never>, job: JobContext<Record<string, never>>): Promise<void> {
    const batch = await job.batch();
    if (!batch || batch.cancelled()) return;
    const user = batch.options.user as { name: string; email: string };
    const to: Address = { name: user.name, address: user.email };
    await this.notifier.mail(to, new ImportCompletedNotification(batch));
  }
}
