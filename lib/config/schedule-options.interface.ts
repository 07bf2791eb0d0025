import type { Type } from '@nestjs/common';

/** Options of `@Scheduled(cron, options)`. */
export interface ScheduleOptions<T = unknown> {
  /** The job's data on every dispatch (plain JSON). Default `{}`. */
  data?: T;
  /** IANA time zone the cron expression is read in. Default 'UTC' (Laravel's default app timezone), never the host's. */
  timezone?: string;
  /** Queue to dispatch to, instead of the job's own (`@OnQueue`) or the connection's. */
  queue?: string;
  /** Connection to dispatch on, instead of the job's own or the default. */
  connection?: string;
}

/** One entry of `QueueModule.forRoot({ schedule: [...] })`: a schedule read from configuration. */
export interface ScheduleEntry<T = unknown> extends ScheduleOptions<T> {
  /** The @Job class, or its registered name (handy when the schedule comes from a JSON or YAML file). */
  job: Type<unknown> | string;
  /** A cron expression (5 fields, or 6 with seconds first) or a helper's result, e.g. `dailyAt('03:00')`. */
  cron: string;
}

/** A validated config entry: the timezone defaulted, the data present. */
export interface ResolvedScheduleEntry {
  readonly job: Type<unknown> | string;
  readonly cron: string;
  readonly timezone: string;
  readonly data: unknown;
  readonly queue?: string;
  readonly connection?: string;
  /** Where it was declared, e.g. `schedule[2]`. */
  readonly source: string;
}
