import { Inject, Injectable } from '@nestjs/common';
import { FAILED_JOB_STORE } from '../queue.constants';
import type { FailedJobRecord, FailedJobStore } from './failed-job-store.interface';
import { JobDispatcher } from '../bus/job-dispatcher';
import { QueueEvents } from '../events/queue-events.service';
import { JobRetryRequested } from '../events/queue-event.classes';
import { queueName, sameQueue } from '../config/queue-names';

/** Failed jobs: list, find, retry, forget, flush, prune (`queue:failed`, `queue:retry`, ... as a service). */
@Injectable()
export class FailedJobs {
  constructor(
    @Inject(FAILED_JOB_STORE) private readonly store: FailedJobStore,
    private readonly dispatcher: JobDispatcher,
    private readonly events: QueueEvents,
  ) {}

  all(): Promise<FailedJobRecord[]> {
    return this.store.all();
  }

  find(id: string): Promise<FailedJobRecord | null> {
    return this.store.find(id);
  }

  ids(queue?: string): Promise<string[]> {
    return queue === undefined ? this.store.ids() : this.idsOf(queue);
  }

  /** A queue's records under its name and its tagged form (records written before names were normalised say `{default}`). */
  private async idsOf(queue: string): Promise<string[]> {
    const name = queueName(queue);
    const [plain, tagged] = await Promise.all([this.store.ids(name), this.store.ids(`{${name}}`)]);
    return tagged.length === 0 ? plain : [...new Set([...plain, ...tagged])];
  }

  forget(id: string): Promise<boolean> {
    return this.store.forget(id);
  }

  flush(hours?: number): Promise<number> {
    return this.store.flush(hours);
  }

  prune(before: Date): Promise<number> {
    return this.store.prune(before);
  }

  /** Creates the failed-jobs table if the store has one (`failed:table`). */
  setup(): Promise<void> {
    return this.store.setup();
  }

  /**
   * Pushes failed jobs back to their original connection and queue with attempts reset, then forgets their
   * records. `options.queue` keeps only the jobs of that queue, as `queue:retry --queue=`. Returns the ids
   * retried; ids with no record (or on another queue) are skipped.
   */
  async retry(ids: string[] | 'all', options: { queue?: string } = {}): Promise<string[]> {
    const list = ids === 'all' ? await this.ids(options.queue) : ids;
    const retried: string[] = [];
    for (const id of list) {
      const record = await this.store.find(id);
      if (!record || (options.queue && !sameQueue(record.queue, options.queue))) continue;
      await this.dispatcher.retry(record.connection, record.queue, record.payload);
      await this.store.forget(id);
      if (this.events.has(JobRetryRequested)) await this.events.emit(new JobRetryRequested(record.connection, id, record.payload));
      retried.push(id);
    }
    return retried;
  }
}
