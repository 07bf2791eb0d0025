import { existsSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import type { Type } from '@nestjs/common';
import { useAppFileForRoot } from '../config/app-root';
import { CliAppExportError, CliAppMissingError, CliAppNotFoundError, CliAppTypeScriptError } from './cli.errors';

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
  if (TYPESCRIPT_FILE.test(path)) throw new CliAppTypeScriptError(path, compiledCounterpart(path, exportName));
  if (!existsSync(path) && !existsSync(`${path}.js`)) throw new CliAppNotFoundError(path, spec);
  useAppFileForRoot(path);

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

const TYPESCRIPT_FILE = /\.(c|m)?tsx?$/;

/** `src/app.module.ts` → `dist/app.module.js#AppModule` when that compiled file exists, as `nest build` lays it out. */
function compiledCounterpart(path: string, exportName: string | undefined): string | undefined {
  const parts = path.replace(TYPESCRIPT_FILE, '.js').split(sep);
  const src = parts.lastIndexOf('src');
  const guesses = src >= 0 ? [[...parts.slice(0, src), 'dist', ...parts.slice(src + 1)], [...parts.slice(0, src), 'dist', ...parts.slice(src)]] : [];
  const found = guesses.map((p) => p.join(sep)).find((p) => existsSync(p));
  return found && `${found}#${exportName ?? 'AppModule'}`;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
