#!/usr/bin/env node
// `npm run sample`: compiles the sample app (sample/ with lib/) to .sample-build/, makes sure there is a Redis
// (REDIS_URL, or a private redis-server on a free port), runs the sample, and stops what it started. With neither,
// it runs the whole sample on SQLite (the database queue driver, nothing to install) and says so in one line.
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, mkdirSync } = require('node:fs');
const { createServer, connect } = require('node:net');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const build = join(root, '.sample-build');

function redisServerBinary() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

function compile() {
  process.stdout.write('Compiling the sample (tsc -p sample/tsconfig.json) ...\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'sample', 'tsconfig.json')], { stdio: 'inherit', cwd: root });
  // The library reads its Lua scripts from beside its compiled code.
  const copyLua = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) copyLua(path);
      else if (name.endsWith('.lua')) {
        const target = join(build, 'lib', path.slice(join(root, 'lib').length));
        mkdirSync(dirname(target), { recursive: true });
        cpSync(path, target);
      }
    }
  };
  copyLua(join(root, 'lib'));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs = 10000) {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before it listened on port ${port}`);
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > timeoutMs) throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function startRedis(binary) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-queue-sample-redis-'));
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: 'ignore',
  });
  await waitForPort(port, child);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runSample(env, script = 'main.js') {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(build, 'sample', 'src', script)], { cwd: root, env, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main() {
  let redis = null;
  let note = 'REDIS_URL';
  const asked = process.env.SAMPLE_QUEUE_DRIVER === 'database';
  const onDatabase = asked || (!process.env.REDIS_URL && !redisServerBinary());
  if (onDatabase) {
    const why = asked ? 'SAMPLE_QUEUE_DRIVER=database' : 'No REDIS_URL and no redis-server on PATH';
    process.stdout.write(`${why}: running the whole sample on SQLite (the database queue driver); the Horizon part needs Redis and is skipped.\n`);
  } else if (!process.env.REDIS_URL) {
    note = 'a private redis-server started for this run';
  }
  compile();
  if (!existsSync(join(build, 'sample', 'src', 'main.js'))) throw new Error('The sample did not compile to .sample-build/sample/src/main.js');
  if (onDatabase) {
    const env = { ...process.env, SAMPLE_QUEUE_DRIVER: 'database' };
    delete env.REDIS_URL;
    return runSample(env);
  }
  try {
    if (!process.env.REDIS_URL) redis = await startRedis(redisServerBinary());
    const url = process.env.REDIS_URL || redis.url;
    const env = { ...process.env, REDIS_URL: url, SAMPLE_REDIS_NOTE: note };
    const code = await runSample(env);
    // Then the seed's Horizon config: the sample's jobs under `supervise --environment=local` for a few seconds.
    const supervised = await runSample(env, 'supervise-demo.js');
    return code || supervised;
  } finally {
    if (redis) await redis.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`npm run sample failed: ${error && error.message ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
