import { QueueError } from './queue.error';

/** The configuration passed to QueueModule.forRoot() is wrong; `key` names the setting at fault. */
export class QueueConfigError extends QueueError {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Invalid queue configuration at "${key}": ${problem}`);
  }
}

/** Two @Job classes share one wire name. */
export class DuplicateJobNameError extends QueueError {
  constructor(name: string, first: string, second: string) {
    super(
      `Two jobs are registered under the name "${name}" (${first} and ${second}). ` +
        `Give one of them another name with @Job({ name: '...' }).`,
    );
  }
}
