import { QueueError } from './queue.error';

/** QueueDashboardModule.forRoot() / forRootAsync() got an option it cannot use; `key` names it. */
export class DashboardConfigError extends QueueError {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Invalid dashboard option "${key}": ${problem}`);
  }
}
