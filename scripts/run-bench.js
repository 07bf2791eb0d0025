#!/usr/bin/env node
// `npm run bench`: compiles bench/ (with the library sources it imports) to .bench/, copies the Lua scripts
// beside the compiled driver, and runs the benchmark with --expose-gc. Arguments pass through (--json, --runs N, --only ...).
const { execFileSync, spawnSync } = require('node:child_process');
const { cpSync, readdirSync, rmSync, statSync, mkdirSync } = require('node:fs');
const { join, dirname } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, '.bench');

/** Compiles bench/ (and the library sources it imports) to .bench/ and copies the Lua scripts beside the driver. */
function compileBench() {
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'bench', 'tsconfig.json')], { stdio: 'inherit' });
  copyLua(join(root, 'lib'));
}

function copyLua(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyLua(path);
    else if (name.endsWith('.lua')) {
      const target = join(out, 'lib', path.slice(join(root, 'lib').length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

module.exports = { compileBench, out };
if (require.main !== module) return;

compileBench();
const result = spawnSync(process.execPath, ['--expose-gc', join(out, 'bench', 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
