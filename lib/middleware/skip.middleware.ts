import type { JobContext, JobMiddleware } from '../worker/job-context.interface';

/** A skip condition: fixed, or decided per job when the middleware runs. */
export type SkipCondition = boolean | ((job: JobContext) => boolean | Promise<boolean>);

/**
 * Skips the job (it counts as done, `handle` never runs) when a condition holds (Laravel's Skip):
 * `Skip.when((job) => job.data.cancelled)`, `Skip.unless(featureEnabled)`.
 */
export class Skip implements JobMiddleware {
  private constructor(
    private readonly condition: SkipCondition,
    private readonly skipWhen: boolean,
  ) {}

  /** Skip the job when `condition` is (or returns) true. */
  static when(condition: SkipCondition): Skip {
    return new Skip(condition, true);
  }

  /** Skip the job unless `condition` is (or returns) true. */
  static unless(condition: SkipCondition): Skip {
    return new Skip(condition, false);
  }

  async handle(job: JobContext, next: () => Promise<void>): Promise<void> {
    const holds = typeof this.condition === 'function' ? await this.condition(job) : this.condition;
    if (Boolean(holds) === this.skipWhen) return;
    return next();
  }
}
