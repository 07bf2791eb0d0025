import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const lib = join(root, 'lib');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Builds last used more than an hour ago (every buildCli() that reuses a build marks it used: see below). */
function removeStaleBuilds(keep: string): void {
  const hourAgo = Date.now() - 3600_000;
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith('nestjs-queue-cli-build-') || path === keep) continue;
    try {
      if (statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/**
 * Builds the package as `npm run build` does (tsc with the project's tsconfig, .lua files copied beside the
 * code, the bin made executable) into a directory of its own, keyed by a hash of the sources, and returns
 * its `dist`. A private build: other work rebuilding `dist/` can neither break nor be broken by the CLI tests.
 * The build directory holds a `node_modules` link to the project's, so the bin resolves its dependencies.
 */
export function buildCli(): string {
  const sources = files(lib).filter((f) => f.endsWith('.ts') || f.endsWith('.lua')).sort();
  const hash = createHash('sha256');
  for (const file of [...sources, join(root, 'tsconfig.json'), join(root, 'package.json')]) {
    hash.update(relative(root, file)).update(readFileSync(file));
  }
  const target = join(tmpdir(), `nestjs-queue-cli-build-${hash.digest('hex').slice(0, 16)}`);
  const dist = join(target, 'dist');
  if (existsSync(join(target, '.complete'))) {
    // Marked as used now: another suite's removeStaleBuilds goes by this time, so a build made long ago for the same
    // sources and still in use by this run is never taken away under it.
    const now = new Date();
    try {
      utimesSync(target, now, now);
    } catch {
      // Removed just now by a stale-build sweep: build it again below.
    }
    if (existsSync(join(target, '.complete'))) return dist;
  }

  const work = mkdtempSync(join(tmpdir(), 'nestjs-queue-cli-building-'));
  try {
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
    copyFileSync(join(root, 'package.json'), join(work, 'package.json'));
    const out = join(work, 'dist');
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', out], {
        stdio: 'pipe',
        encoding: 'utf8',
      });
    } catch (error) {
      // Type errors elsewhere (files mid-edit) still emit JavaScript; only a missing bin is fatal here.
      if (!existsSync(join(out, 'cli', 'bin.js'))) throw error;
    }
    for (const file of sources.filter((f) => f.endsWith('.lua'))) {
      const copy = join(out, relative(lib, file));
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(file, copy);
    }
    chmodSync(join(out, 'cli', 'bin.js'), 0o755);
    writeFileSync(join(work, '.complete'), new Date().toISOString());
    try {
      renameSync(work, target);
    } catch {
      // Another test file finished the same build first: use it.
      rmSync(work, { recursive: true, force: true });
    }
    removeStaleBuilds(target);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  return dist;
}
