import type { Type } from '@nestjs/common';
import type { CronSchedule } from '../config/cron-schedule';

/** One task the scheduler runs: a job, its cron, and how to dispatch it. */
export interface ScheduledTask {
  /** Stable across processes and restarts: the job name and a hash of cron, timezone, data, queue, connection. */
  readonly id: string;
  readonly jobName: string;
  readonly jobClass: Type<unknown>;
  readonly cron: string;
  readonly timezone: string;
  readonly data: unknown;
  readonly queue?: string;
  readonly connection?: string;
  /** Where it was declared: `@Scheduled(PruneExports)#1` or `schedule[0]`. */
  readonly source: string;
  readonly schedule: CronSchedule;
}

/** What one dispatch of a due time did. */
export interface ScheduledDispatch {
  task: ScheduledTask;
  /** The due time this dispatch is for. */
  due: Date;
  /** The job id, or null when a unique job's lock was held. */
  jobId: string | null;
}
