import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Type } from '@nestjs/common';
import { CliAppExportError, CliAppMissingError, CliAppNotFoundError } from './cli.errors';

/** Where the app module comes from: a class given by `bootstrapQueueCli`, or a `path#Export` spec. */
export type AppSource = { module: Type<unknown> } | { spec: () => string | undefined };

/** The export used when a spec has no `#ExportName`: `AppModule`, else the default export. */
const DEFAULT_EXPORTS = ['AppModule', 'default'];

/**
 * Loads the app module a spec names: `<path>#<ExportName>`, the path resolved from `cwd`.
 * Errors say what is wrong in one line: no spec, no file, a file that throws, no such export.
 */
export function loadAppModule(spec: string | undefined, cwd = process.cwd()): Type<unknown> {
  if (!spec || spec.trim() === '') throw new CliAppMissingError();
  const hash = spec.lastIndexOf('#');
  const file = (hash >= 0 ? spec.slice(0, hash) : spec).trim();
  const exportName = hash >= 0 ? spec.slice(hash + 1).trim() : undefined;
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  if (!existsSync(path) && !existsSync(`${path}.js`)) throw new CliAppNotFoundError(path, spec);

  let exports: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(path) as Record<string, unknown>;
  } catch (error) {
    throw new CliAppNotFoundError(path, spec, oneLine(error));
  }
  const names = Object.keys(exports ?? {});
  const candidates = exportName ? [exportName] : DEFAULT_EXPORTS;
  const found = candidates.find((name) => exports?.[name] !== undefined);
  if (!found) throw new CliAppExportError(path, exportName ?? 'AppModule', names);
  const value = exports[found];
  if (typeof value !== 'function') throw new CliAppExportError(path, found, names, 'exports something that is not a module class as');
  return value as Type<unknown>;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
