import { QueueError } from './queue.error';

/** A schedule helper (`every.minutes`, `dailyAt`, ...) was given a value it cannot turn into a cron expression. */
export class ScheduleExpressionError extends QueueError {
  constructor(
    readonly helper: string,
    problem: string,
  ) {
    super(`${helper}(): ${problem}`);
  }
}
