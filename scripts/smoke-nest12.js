#!/usr/bin/env node
// `npm run smoke:nest12`: the built package on NestJS 12 (ESM-only, loaded by Node's require(esm)).
//
// 1. Compiles lib/ into a temp package (tsc with the project's tsconfig, --outDir; the Lua scripts copied beside the
//    code, as scripts/build.js does), packs it with `npm pack` (so the published file list is what gets tested).
// 2. Installs that tarball with @nestjs/common@12, @nestjs/core@12, reflect-metadata and rxjs into a temp app
//    directory (`npm install --prefix <tmp>/app --no-save`: the npm registry is the only network used).
// 3. Starts a private redis-server on a free port and runs a tiny app in a plain `node` child whose requires resolve
//    from that app directory: QueueModule.forRoot(), one @Job with an injected service, an injectable middleware
//    class and @OnQueue, a failing @Job with @OnFailed, an @OnQueueEvent listener; dispatch, Worker.run({ once }),
//    the failed store, app.close() (the child must then exit by itself).
// 4. Runs the packed `nestjs-queue` binary on the same app module: `work --once`, then `size --json`.
// Prints OK and exits 0, or says what broke and exits 1.
// Options: --keep (keep the temp directory), NEST_VERSION=12.x (default 12).
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } = require('node:fs');
const { createRequire } = require('node:module');
const { createServer, connect } = require('node:net');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const APP_MODE = '--run-app';

if (require.main !== module) {
  // Loaded by the packed CLI (`nestjs-queue --app <this file>#SmokeCliModule ...`): the same app, from the app dir.
  Object.defineProperty(exports, 'SmokeCliModule', {
    enumerable: true,
    get: () => defineApp(createRequire(join(process.env.SMOKE_APP_DIR, 'package.json'))).AppModule,
  });
} else if (process.argv[2] === APP_MODE) {
  runApp(process.argv[3]).then(
    (summary) => {
      process.stdout.write(`${summary}\nOK\n`);
    },
    (error) => {
      process.stderr.write(`SMOKE APP FAILED: ${error && error.stack ? error.stack : error}\n`);
      process.exit(1);
    },
  );
} else {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`smoke:nest12 failed: ${error && error.stack ? error.stack : error}\n`);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The driver: build, install, Redis, run the app.

async function main() {
  const keep = process.argv.includes('--keep');
  const nestVersion = process.env.NEST_VERSION || '12';
  const work = mkdtempSync(join(tmpdir(), 'nestjs-queue-nest12-'));
  let redis;
  try {
    const started = Date.now();
    const tarball = buildAndPack(work);
    log(`built and packed ${tarball.split('/').pop()} (${seconds(started)})`);

    const appDir = join(work, 'app');
    mkdirSync(appDir);
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'nest12-smoke-app', private: true }, null, 2));
    const installing = Date.now();
    const deps = [tarball, `@nestjs/common@${nestVersion}`, `@nestjs/core@${nestVersion}`, 'reflect-metadata', 'rxjs'];
    run('npm', ['install', '--prefix', appDir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...deps], { cwd: appDir });
    log(`installed ${deps.slice(1).join(' ')} into ${appDir} (${seconds(installing)})`);

    redis = await startRedis(work);
    log(`redis-server on ${redis.url}`);
    const env = { ...process.env, REDIS_URL: redis.url, QUEUE_CONNECTION: 'redis', SMOKE_APP_DIR: appDir, SMOKE_PREFIX: `nest12-smoke-${process.pid}:` };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    let code = await runChild(appDir, env);
    if (code === 0) code = runCli(appDir, env);
    log(code === 0 ? 'Nest 12 smoke test passed' : `Nest 12 smoke test FAILED (exit ${code})`);
    return code;
  } finally {
    if (redis) await redis.stop();
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function buildAndPack(work) {
  const pkg = join(work, 'pkg');
  const dist = join(pkg, 'dist');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', dist], {
    stdio: 'inherit',
    cwd: root,
  });
  const copyLua = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) copyLua(path);
      else if (name.endsWith('.lua')) {
        const target = join(dist, path.slice(join(root, 'lib').length));
        mkdirSync(dirname(target), { recursive: true });
        cpSync(path, target);
      }
    }
  };
  copyLua(join(root, 'lib'));
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  for (const extra of ['README.md', 'LICENSE']) if (existsSync(join(root, extra))) cpSync(join(root, extra), join(pkg, extra));
  const packed = run('npm', ['pack', pkg, '--pack-destination', work, '--json', '--loglevel=error'], { cwd: work });
  const [{ filename }] = JSON.parse(packed);
  return join(work, filename);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Runs this file in app mode under plain node from the app directory; the app must print OK and exit by itself. */
function runChild(appDir, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [__filename, APP_MODE, appDir], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    const timer = setTimeout(() => {
      process.stderr.write('the smoke app did not exit within 60 s (a job hung, or app.close() left a handle open)\n');
      child.kill('SIGKILL');
    }, 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 && /^OK$/m.test(out) ? 0 : code || (signal ? 1 : 1));
    });
  });
}

/**
 * The packed `nestjs-queue` binary on Nest 12: `work --once` takes the job the app left on `smoke` (one DONE line),
 * then `size --json` shows the queue empty. The app module is this file's SmokeCliModule.
 */
function runCli(appDir, env) {
  const bin = join(appDir, 'node_modules', '.bin', 'nestjs-queue');
  const app = `${__filename}#SmokeCliModule`;
  const cli = (args) => spawnSync(bin, ['--app', app, ...args], { cwd: appDir, env, encoding: 'utf8', timeout: 60_000 });
  const work = cli(['work', 'redis', '--queue=smoke', '--once', '--sleep=0']);
  process.stdout.write(work.stdout);
  if (work.status !== 0 || !/SendGreeting\b.*DONE/.test(work.stdout)) {
    process.stderr.write(`nestjs-queue work --once: exit ${work.status}, expected a SendGreeting ... DONE line\n${work.stderr}\n`);
    return 1;
  }
  const size = cli(['size', 'redis', '--queue=smoke', '--json']);
  let total = null;
  try {
    total = JSON.parse(size.stdout)[0].total;
  } catch {
    // reported below
  }
  if (size.status !== 0 || total !== 0) {
    process.stderr.write(`nestjs-queue size --json: exit ${size.status}, expected total 0\n${size.stdout}${size.stderr}\n`);
    return 1;
  }
  log('the packed CLI ran `work --once` (SendGreeting DONE) and `size` (0 left) on Nest 12');
  return 0;
}

async function startRedis(work) {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0 || !which.stdout.trim()) throw new Error('redis-server is not on PATH (apt-get install redis-server)');
  const port = await freePort();
  const dir = join(work, 'redis');
  mkdirSync(dir);
  const child = spawn(which.stdout.trim(), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before listening on ${port}`);
    if (await canConnect(port)) break;
    if (Date.now() - started > 10_000) throw new Error(`redis-server did not listen on ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
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

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function log(message) {
  process.stdout.write(`[smoke:nest12] ${message}\n`);
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------------------------------------------
// The app, run in the child: every require resolves from the app directory (Nest 12 and the packed nestjs-queue).

async function runApp(appDir) {
  const appRequire = createRequire(join(appDir, 'package.json'));
  const { NestFactory } = appRequire('@nestjs/core');
  const q = appRequire('nestjs-queue');

  // The package's own view of Nest: what nestjs-queue's compiled code requires must be Nest 12.
  const fromQueue = createRequire(appRequire.resolve('nestjs-queue'));
  const nest = ['@nestjs/common', '@nestjs/core'].map((name) => {
    const manifest = packageJsonOf(fromQueue.resolve(name), name);
    if (!manifest.version.startsWith('12.')) throw new Error(`${name} resolved to ${manifest.version}, not 12.x`);
    return `${name}@${manifest.version}${manifest.type === 'module' ? ' (ESM, via require(esm))' : ''}`;
  });

  const { AppModule, SendGreeting, ExplodingJob, AuditMiddleware, ProcessedListener, greetings, failedCalls } = defineApp(appRequire);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  let closed = false;
  try {
    const bus = app.get(q.Bus);
    const worker = app.get(q.Worker);
    const listener = app.get(ProcessedListener);
    const audit = app.get(AuditMiddleware);

    const okId = await bus.dispatch(SendGreeting, { name: 'Nest 12' });
    const reason = await worker.run({ queue: 'smoke', once: true, sleep: 0 });
    expect('worker stop reason', reason, 'once');
    expect('handled job', greetings, [{ greeting: 'hello Nest 12', attempts: 1, queue: 'smoke', id: okId }]);
    expect('middleware (injected class)', audit.seen, ['SendGreeting:hello middleware']);

    const badId = await bus.dispatch(ExplodingJob, { n: 7 });
    expect('second run', await worker.run({ once: true, sleep: 0 }), 'once');
    expect('@OnFailed', failedCalls, ['7:boom on Nest 12']);
    expect('@OnQueueEvent(JobProcessed)', listener.processed, ['SendGreeting']);
    expect('@OnQueueEvent(JobFailed)', listener.failed, ['ExplodingJob']);
    const record = await app.get(q.FailedJobs).find(badId);
    expect('failed-job record', record && { id: record.id, queue: record.queue, message: /boom on Nest 12/.test(record.exception) }, {
      id: badId,
      queue: 'default', // shown by its bare name (the seed's '{default}' is the same queue)
      message: true,
    });
    await app.get(q.FailedJobs).forget(badId);
    expect('queue empty afterwards', await app.get(q.QueueManager).connection('redis').size('smoke'), 0);
    // Left for the packed CLI's `work --once` (runCli).
    await bus.dispatch(SendGreeting, { name: 'the CLI' });
    await app.close();
    closed = true;
    return [
      `Nest: ${nest.join(', ')}`,
      `nestjs-queue from ${dirname(appRequire.resolve('nestjs-queue'))}`,
      `dispatched ${okId} and ${badId}; Worker.run({ once }) ran each; DI, middleware class, @OnFailed, @OnQueueEvent, failed store as expected`,
    ].join('\n');
  } finally {
    if (!closed) await app.close().catch(() => undefined);
  }
}

/** The app's classes, decorated as tsc would (Reflect.decorate + design:paramtypes), from the app dir's packages. */
function defineApp(appRequire) {
  appRequire('reflect-metadata');
  const { Injectable, Module } = appRequire('@nestjs/common');
  const q = appRequire('nestjs-queue');
  const greetings = [];
  const failedCalls = [];

  class Greeter {
    greet(name) {
      return `hello ${name}`;
    }
  }
  Reflect.decorate([Injectable()], Greeter);

  class AuditMiddleware {
    constructor(greeter) {
      this.greeter = greeter;
      this.seen = [];
    }
    async handle(job, next) {
      this.seen.push(`${job.name}:${this.greeter.greet('middleware')}`);
      await next();
    }
  }
  Reflect.decorate([Injectable(), Reflect.metadata('design:paramtypes', [Greeter])], AuditMiddleware);

  class SendGreeting {
    constructor(greeter) {
      this.greeter = greeter;
    }
    async handle(data, job) {
      greetings.push({ greeting: this.greeter.greet(data.name), attempts: job.attempts, queue: job.queue, id: job.id });
    }
  }
  Reflect.decorate(
    [q.Job({ tries: 2 }), q.OnQueue('smoke'), q.Middleware(AuditMiddleware), Reflect.metadata('design:paramtypes', [Greeter])],
    SendGreeting,
  );

  class ExplodingJob {
    async handle() {
      throw new Error('boom on Nest 12');
    }
    failed(data, error) {
      failedCalls.push(`${data.n}:${error.message}`);
    }
  }
  Reflect.decorate([q.OnFailed()], ExplodingJob.prototype, 'failed', Object.getOwnPropertyDescriptor(ExplodingJob.prototype, 'failed'));
  Reflect.decorate([q.Job({ tries: 1 })], ExplodingJob);

  class ProcessedListener {
    constructor() {
      this.processed = [];
      this.failed = [];
    }
    onProcessed(event) {
      this.processed.push(event.job.name);
    }
    onFailed(event) {
      this.failed.push(event.job.name);
    }
  }
  for (const [method, event] of [['onProcessed', q.JobProcessed], ['onFailed', q.JobFailed]]) {
    Reflect.decorate([q.OnQueueEvent(event)], ProcessedListener.prototype, method, Object.getOwnPropertyDescriptor(ProcessedListener.prototype, method));
  }
  Reflect.decorate([Injectable()], ProcessedListener);

  class AppModule {}
  Reflect.decorate(
    [
      Module({
        imports: [q.QueueModule.forRoot({ failed: { driver: 'redis' }, prefix: process.env.SMOKE_PREFIX })],
        providers: [Greeter, AuditMiddleware, SendGreeting, ExplodingJob, ProcessedListener],
      }),
    ],
    AppModule,
  );
  return { AppModule, SendGreeting, ExplodingJob, AuditMiddleware, ProcessedListener, greetings, failedCalls };
}

function packageJsonOf(resolvedFile, name) {
  for (let dir = dirname(resolvedFile); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.name === name) return manifest;
    }
  }
  throw new Error(`no package.json of ${name} above ${resolvedFile}`);
}

function expect(what, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
