import type { JobContext, JobMiddleware } from '../worker/job-context.interface';

/** Skips a batched job (it counts as done) once its batch has been cancelled (Laravel's SkipIfBatchCancelled). */
export class SkipIfBatchCancelled implements JobMiddleware {
  async handle(job: JobContext, next: () => Promise<void>): Promise<void> {
    const batch = await job.batch();
    if (batch?.cancelled()) return;
    return next();
  }
}
