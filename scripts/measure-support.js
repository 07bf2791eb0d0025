// What the measuring scripts (scripts/measure-*.js) share: their command-line values, a build of lib/ of their own
// (never dist/), and a private redis-server on a free port that they stop at the end.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The value after `--name` on the command line, or `fallback`. */
function argValue(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** Copies every .lua file under `from` to the same place under `to` (tsc copies none). */
function copyLua(from, to) {
  for (const name of readdirSync(from)) {
    const path = join(from, name);
    if (statSync(path).isDirectory()) copyLua(path, join(to, name));
    else if (name.endsWith('.lua')) {
      mkdirSync(to, { recursive: true });
      cpSync(path, join(to, name));
    }
  }
}

/** Compiles lib/ with tsc into `out` (emptied first, no declarations or maps) and copies its Lua scripts beside it. */
function compileLib(out) {
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', out, '--declaration', 'false', '--sourceMap', 'false'], {
    stdio: 'inherit',
  });
  copyLua(join(root, 'lib'), out);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a redis-server of this script's own on a free port (no persistence, its files in a temporary folder named
 * after `label`) and an admin client connected to it. `stop()` ends both and removes the folder.
 */
async function startRedis(label) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `nq-${label}-`));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  child.on('error', (error) => {
    console.error(`Could not start redis-server (${error.message}). Put it on PATH (apt-get install redis-server), or set REDIS_URL where the script offers it.`);
    process.exit(1);
  });
  const Redis = require('ioredis');
  const admin = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50 });
  admin.on('error', () => undefined); // refused while the server starts; connect() below retries
  for (let i = 0; i < 400; i++) {
    try {
      await admin.connect();
      break;
    } catch {
      await sleep(25);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    admin,
    async stop() {
      admin.disconnect();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { argValue, compileLib, copyLua, freePort, sleep, startRedis };
