import { Inject, Injectable } from '@nestjs/common';
import { FAILED_JOB_STORE } from '../queue.constants';
import type { FailedJobRecord, FailedJobStore } from './failed-job-store.interface';
import { JobDispatcher } from '../bus/job-dispatcher';
import { QueueEvents } from '../events/queue-events.service';
import { JobRetryRequested } from '../events/queue-event.classes';
import { queueName, sameQueue } from '../config/queue-names';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { QUEUE_CONFIG } from '../queue.constants';
import { RedisConnections } from '../redis/redis-connections';
import { FailedJobRecords } from './failed-job-records';
import { RedisFailedJobStore } from './redis-failed-job.store';

/** Failed jobs: list, find, retry, forget, flush, prune (`queue:failed`, `queue:retry`, ... as a service). */
@Injectable()
export class FailedJobs {
  private readonly records: FailedJobRecords;

  constructor(
    @Inject(FAILED_JOB_STORE) private readonly store: FailedJobStore,
    private readonly dispatcher: JobDispatcher,
    private readonly events: QueueEvents,
    @Inject(QUEUE_CONFIG) config: ResolvedQueueConfig,
    connections: RedisConnections,
  ) {
    this.records = new FailedJobRecords(config, connections);
  }

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

  /**
   * Removes the failed job from the store and from the dashboard's job records (its row on the failed page):
   * in one script when the store is the Redis one on the records' server (not a cluster), else the records first,
   * so a failure between the two leaves the job in the store, where `forget` finds it again. A job the store does
   * not hold loses only its records' entries (true when it had some).
   */
  async forget(id: string): Promise<boolean> {
    const record = await this.store.find(id);
    if (!record) return (await this.store.forget(id)) || (await this.records.forgetAnywhere(id));
    const place = this.records.place(record.connection, record.queue, id);
    if (!place) return this.store.forget(id);
    if (this.store instanceof RedisFailedJobStore && this.store.holdsTogether(place.client)) return this.store.forgetWithRecords(id, place.keys);
    await this.records.forget(place, id);
    return this.store.forget(id);
  }

  /** Removes every failed job, or those older than `hours`, from the store and then from the dashboard's records. */
  async flush(hours?: number): Promise<number> {
    const now = Date.now();
    const removed = await this.store.flush(hours);
    await this.records.prune(this.store, hours === undefined ? Infinity : now - hours * 3_600_000, now);
    return removed;
  }

  /** Removes the failed jobs that failed before `before`, from the store and then from the dashboard's records. */
  async prune(before: Date): Promise<number> {
    const removed = await this.store.prune(before);
    await this.records.prune(this.store, before.getTime());
    return removed;
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
