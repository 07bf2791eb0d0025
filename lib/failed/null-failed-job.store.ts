import type { FailedJobRecord, FailedJobStore } from './failed-job-store.interface';

/** failed.driver 'null': failed jobs are not kept. Every read is empty and every removal removes nothing. */
export class NullFailedJobStore implements FailedJobStore {
  async log(_record: FailedJobRecord): Promise<void> {
    // Discarded on purpose.
  }

  async all(): Promise<FailedJobRecord[]> {
    return [];
  }

  async find(_id: string): Promise<FailedJobRecord | null> {
    return null;
  }

  async ids(_queue?: string): Promise<string[]> {
    return [];
  }

  async forget(_id: string): Promise<boolean> {
    return false;
  }

  async flush(_hours?: number): Promise<number> {
    return 0;
  }

  async prune(_before: Date): Promise<number> {
    return 0;
  }

  async setup(): Promise<void> {
    // Nothing to create.
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}
