#!/usr/bin/env node
// Compiles lib/ to dist/ (CommonJS with declarations) and copies the Lua scripts beside the compiled code.
const { execFileSync } = require('node:child_process');
const { cpSync, readdirSync, rmSync, statSync, mkdirSync, chmodSync, existsSync } = require('node:fs');
const { join, dirname } = require('node:path');

const root = join(__dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

function copyLua(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyLua(path);
    else if (name.endsWith('.lua')) {
      const target = join(root, 'dist', path.slice(join(root, 'lib').length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
copyLua(join(root, 'lib'));
const bin = join(root, 'dist', 'cli', 'bin.js');
if (existsSync(bin)) chmodSync(bin, 0o755);
