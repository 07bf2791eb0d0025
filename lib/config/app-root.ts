import { existsSync } from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';

/**
 * The application's root: the folder holding the app's package.json. Relative defaults (the SQLite file
 * `storage/queue.sqlite`) are anchored there rather than at the current directory, so `nestjs-queue failed` run
 * from another folder opens the same file as the app.
 *
 * Found from, in order: the app module file the CLI loads (`--app`), the entry script (`node dist/main.js`)
 * unless it lives in node_modules, the folder that holds node_modules/nestjs-queue, and last the current
 * directory. From each, the nearest folder with a package.json wins.
 */
export function findAppRoot(cwd: string = process.cwd()): string {
  const main = require.main?.filename;
  const candidates = [
    appFileHint,
    main && !inNodeModules(main) ? main : undefined,
    outsideNodeModules(__dirname),
    cwd,
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const root = nearestPackageFolder(candidate);
    if (root) return root;
  }
  return resolve(cwd);
}

let appFileHint: string | undefined;

/** The CLI names the app module file it is about to load, so the app's root is found from it. */
export function useAppFileForRoot(file: string | undefined): void {
  appFileHint = file === undefined ? undefined : resolve(file);
}

function inNodeModules(file: string): boolean {
  return resolve(file).split(sep).includes('node_modules');
}

/** The folder holding the outermost node_modules on the way to `dir`, or undefined when there is none. */
function outsideNodeModules(dir: string): string | undefined {
  const parts = resolve(dir).split(sep);
  const index = parts.indexOf('node_modules');
  return index > 0 ? parts.slice(0, index).join(sep) || sep : undefined;
}

function nearestPackageFolder(start: string): string | undefined {
  let dir = resolve(start);
  const { root } = parse(dir);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dir === root) return undefined;
    dir = dirname(dir);
  }
}
