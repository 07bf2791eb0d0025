#!/usr/bin/env node
// Compiles lib/ to dist/ (CommonJS with declarations, no source maps: the package ships no lib/ sources for them
// to point at), copies the Lua scripts beside the compiled code and the dashboard's built UI into dist/dashboard/ui/dist.
//
// `node scripts/build.js --package <dir>` builds into <dir>/dist instead and copies package.json, README.md and
// LICENSE beside it, so <dir> is the package as `npm pack` would take it (the first-hour test packs it from there).
const { execFileSync } = require('node:child_process');
const { cpSync, readdirSync, rmSync, statSync, mkdirSync, chmodSync, existsSync } = require('node:fs');
const { join, dirname, resolve } = require('node:path');

const root = join(__dirname, '..');
const flag = process.argv.indexOf('--package');
const packageDir = flag >= 0 ? resolve(process.argv[flag + 1] ?? '') : root;
if (flag >= 0 && !process.argv[flag + 1]) throw new Error('--package needs a directory');
const dist = join(packageDir, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', dist, '--sourceMap', 'false', '--declarationMap', 'false'],
  { stdio: 'inherit', cwd: root },
);

function copyLua(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyLua(path);
    else if (name.endsWith('.lua')) {
      const target = join(dist, path.slice(join(root, 'lib').length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
copyLua(join(root, 'lib'));
// The dashboard serves its built UI from dist/dashboard/ui/dist at run time (scripts/build-dashboard.js builds it).
const ui = join(root, 'lib', 'dashboard', 'ui', 'dist');
if (existsSync(ui)) cpSync(ui, join(dist, 'dashboard', 'ui', 'dist'), { recursive: true });
else console.warn('build: lib/dashboard/ui/dist is missing: the dashboard will serve its page without the UI (run scripts/build-dashboard.js first).');
const bin = join(dist, 'cli', 'bin.js');
if (existsSync(bin)) chmodSync(bin, 0o755);
if (packageDir !== root) {
  for (const file of ['package.json', 'README.md', 'LICENSE']) cpSync(join(root, file), join(packageDir, file));
}
