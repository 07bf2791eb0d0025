import { Job, JobContext } from '../../../../lib';
import { AppLog } from '../../support/app-log';

/** The import batch's `catch`: the first failure; the error comes as `job.cause`. */
@Job()
export class LogImportFailure {
  constructor(private readonly log: AppLog) {}

  async handle(_data: Record<string, never>, job: JobContext<Record<string, never>>): Promise<void> {
    this.log.error('Import batch failed', { batch_id: job.batchId, error: job.cause?.message ?? 'unknown' });
  }
}
