import { ConsoleLogger } from '@nestjs/common';

/**
 * Nest's console logger at `error` and `warn`, minus the `ExceptionHandler` reports Nest prints (with a stack)
 * for a failed start-up: the CLI reports those itself, in one line.
 */
export class CliLogger extends ConsoleLogger {
  constructor() {
    super('nestjs-queue', { logLevels: ['error', 'warn'] });
  }

  override error(message: unknown, ...rest: unknown[]): void {
    if (rest[rest.length - 1] === 'ExceptionHandler') return;
    super.error(message, ...rest);
  }
}
