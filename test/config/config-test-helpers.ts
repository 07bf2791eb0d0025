import { QueueConfigError } from '../../lib/errors/config.errors';
import { resolveQueueConfig } from '../../lib/config/resolve-config';
import type { QueueModuleOptions } from '../../lib/config/queue-options.interface';
import type { ResolvedQueueConfig } from '../../lib/config/resolved-config.interface';

/** Resolves with an empty environment unless one is given, so the host's variables never leak in. */
export function resolve(options: QueueModuleOptions = {}, env: NodeJS.ProcessEnv = {}): ResolvedQueueConfig {
  return resolveQueueConfig(options, env);
}

/** Options that are deliberately wrong for the declared types, as a JavaScript user might pass them. */
export function untyped(options: Record<string, unknown>): QueueModuleOptions {
  return options as QueueModuleOptions;
}

/** The QueueConfigError `run` throws; fails the test when it throws nothing or something else. */
export function configError(run: () => unknown): QueueConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof QueueConfigError) return error;
    throw error;
  }
  throw new Error('expected a QueueConfigError, nothing was thrown');
}

/** Asserts that `run` fails at `key`, with a message naming the key and containing each fragment. */
export function expectConfigError(run: () => unknown, key: string, ...fragments: (string | RegExp)[]): void {
  const error = configError(run);
  expect(error.key).toBe(key);
  expect(error.message).toContain(`Invalid queue configuration at "${key}"`);
  for (const fragment of fragments) expect(error.message).toMatch(fragment);
}

export const KEY_BASE64 = `base64:${Buffer.alloc(32, 7).toString('base64')}`;
export const KEY_HEX = 'ab'.repeat(32);
