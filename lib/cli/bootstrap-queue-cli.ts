import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { runQueueCli } from './run-queue-cli';

/**
 * Runs the queue CLI against your own app module, from your own entry file:
 *
 * ```ts
 * // src/queue-cli.ts  →  node dist/queue-cli.js work redis --queue=high,default
 * bootstrapQueueCli(AppModule);
 * ```
 *
 * `argv` is the arguments after the script name (default: the process's). Exits the process with the
 * command's code once the app is closed.
 */
export async function bootstrapQueueCli(appModule: Type<unknown>, argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const code = await runQueueCli({ argv, appModule: { module: appModule } });
  return exitWhenFlushed(code);
}

/** Exits once stdout and stderr have taken everything written to them. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(code);
}
