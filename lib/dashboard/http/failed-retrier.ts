import { Inject, Injectable } from '@nestjs/common';
import { FailedJobs } from '../../failed/failed-jobs.service';
import { JOB_RECORDS_READER } from '../dashboard.constants';
import type { JobRecordsReader } from '../job-records.interface';

/**
 * Horizon's RetryFailedJob: `FailedJobs.retry` pushes the job back with its attempts reset and forgets the failed
 * record; the job record then says who retried it (the job keeps its id).
 */
@Injectable()
export class FailedRetrier {
  constructor(
    private readonly failed: FailedJobs,
    @Inject(JOB_RECORDS_READER) private readonly records: JobRecordsReader,
  ) {}

  /** Retries the failed jobs of these ids that are still in the failed store; resolves to those retried. */
  async retry(ids: readonly string[]): Promise<string[]> {
    const retried: string[] = [];
    for (const id of ids) {
      const done = await this.failed.retry([id]);
      if (done.length === 0) continue;
      await this.records.markRetried(id, id);
      retried.push(id);
    }
    return retried;
  }
}
