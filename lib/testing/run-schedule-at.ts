import type { INestApplicationContext } from '@nestjs/common';
import { Scheduler } from '../scheduler/scheduler';
import type { ScheduledDispatch } from '../scheduler/scheduled-task.interface';

/** Anything with Nest's `get`: an application context, a TestingModule. */
type HasGet = Pick<INestApplicationContext, 'get'>;

/**
 * Runs the scheduler once "at time T": dispatches, through the app's Bus (a BusFake when the test overrides
 * Bus), every scheduled task with a due time in the second that holds `at`, and resolves to what it dispatched.
 * No claims are taken and no clock is faked; the app must be initialised (`moduleRef.init()` or
 * `createApplicationContext`), so its `@Scheduled` jobs are known.
 *
 * ```ts
 * await runScheduleAt(moduleRef, new Date('2026-03-29T01:00:00Z'));
 * bus.assertDispatched(PruneExports, (data) => data.full === true);
 * ```
 */
export async function runScheduleAt(app: HasGet, at: Date): Promise<ScheduledDispatch[]> {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new TypeError(`runScheduleAt() needs a valid Date, got ${String(at)}`);
  }
  const scheduler = app.get(Scheduler, { strict: false });
  return scheduler.dispatchDueAt(at);
}
