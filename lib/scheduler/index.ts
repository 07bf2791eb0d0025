export { Scheduler } from './scheduler';
export type { ScheduledDispatchError } from './scheduler';
export { SCHEDULER_OPTIONS } from './scheduler-clock';
export type { SchedulerClock, SchedulerOptions } from './scheduler-clock';
export { every, hourlyAt, daily, dailyAt, weeklyOn, monthlyOn } from './every';
export type { Weekday } from './every';
export type { ScheduledTask, ScheduledDispatch } from './scheduled-task.interface';
export type { ScheduleOptions, ScheduleEntry } from '../config/schedule-options.interface';
