import type { Type } from '@nestjs/common';
import type { ScheduleOptions } from '../config/schedule-options.interface';

export const SCHEDULED_METADATA = 'nestjs-queue:scheduled';

/** One `@Scheduled` on a class, as the decorator stored it. */
export interface ScheduledMetadata {
  cron: string;
  options: ScheduleOptions;
}

/**
 * Dispatches this `@Job` on a cron, exactly once per due time however many schedulers run (Laravel's
 * `Schedule::job(...)->onOneServer()`). Several may be stacked; they are read top to bottom.
 *
 * ```ts
 * @Job()
 * @Scheduled(every.minutes(5))
 * @Scheduled('0 3 * * *', { data: { full: true }, timezone: 'Europe/Amsterdam', queue: 'low' })
 * export class PruneExports { async handle(data: { full?: boolean }) {} }
 * ```
 *
 * TypeScript checks `data` against the class's `handle`. The expression and options are checked when the
 * application starts; a bad one fails start-up naming it.
 */
export function Scheduled<T = unknown>(
  cron: string,
  options: ScheduleOptions<T> = {},
): <C extends Type<{ handle(data: T, ...rest: never[]): unknown }>>(target: C) => void {
  return (target) => {
    const existing = (Reflect.getOwnMetadata(SCHEDULED_METADATA, target) as ScheduledMetadata[] | undefined) ?? [];
    // Class decorators apply bottom-up: put this one first so the list reads as the source does.
    Reflect.defineMetadata(SCHEDULED_METADATA, [{ cron, options: options as ScheduleOptions }, ...existing], target);
  };
}
