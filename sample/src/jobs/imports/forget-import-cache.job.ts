import { Job, JobContext } from '../../../../lib';
import { importCacheKey } from '../../imports/import-row';
import { Cache } from '../../support/cache';

/** The import batch's `finally`: every job has run; drop the import's cache entry. */
@Job()
export class ForgetImportCache {
  constructor(private readonly cache: Cache) {}

  async handle(_data: Record<string, never>, job: JobContext<Record<string, never>>): Promise<void> {
    if (job.batchId) await this.cache.forget(importCacheKey(job.batchId));
  }
}
