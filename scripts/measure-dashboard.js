#!/usr/bin/env node
// Measures the dashboard's JSON API at scale: seeds a private redis-server with 1,000,000 waiting jobs, 100,000
// completed and 100,000 failed job records (plus batches, a monitored tag, metrics snapshots and a live master
// record), starts a Nest app (Express) with QueueDashboardModule, and prints the median of 20 requests of every API
// route. Then it checks in INFO commandstats that no route ran a command that walks the keyspace (KEYS, SCAN).
//
//   node scripts/measure-dashboard.js [--waiting 1000000] [--completed 100000] [--failed 100000] [--runs 20] [--json]
//
// Seeding uses scripts/seed-dashboard-data.js (the records' own seeding tool, pipelined writes of the layout the
// queue scripts write: all on queue `default`), plus batches, failed-store entries and a monitored tag through real
// dispatches and a real worker on two more queues (so lists merge three queues); without that tool, everything goes
// through real dispatches and a real worker (slower, the same layout by construction).
// It compiles lib/ with tsc into node_modules/.cache/nestjs-queue-measure-dashboard (never touching dist/).
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { loadavg } = require('node:os');
const { join } = require('node:path');
const { argValue, compileLib, sleep, startRedis } = require('./measure-support');

const root = join(__dirname, '..');
const out = join(root, 'node_modules', '.cache', 'nestjs-queue-measure-dashboard');
const WAITING = Number(argValue('waiting', 1_000_000));
const COMPLETED = Number(argValue('completed', 100_000));
const FAILED = Number(argValue('failed', 100_000));
const RUNS = Number(argValue('runs', 20));
const BATCHES = 200;
const TARGET_MS = 200;
const JSON_OUT = process.argv.includes('--json');
const PREFIX = 'measure-dashboard:';
const say = (line) => JSON_OUT || process.stdout.write(`${line}\n`);

/** The app: QueueModule on the private Redis, the jobs the seeding sends, the dashboard (open to everyone here). */
function appModule(lib, dashboard, url) {
  require('reflect-metadata');
  const { Module } = require('@nestjs/common');
  const { QueueModule, Job, OnQueue } = lib;
  class Waiting {
    async handle() {}
  }
  Reflect.decorate([Job({ name: 'measure.waiting', tags: (d) => [`user:${d.n % 1000}`] }), OnQueue('default')], Waiting);
  class Done {
    async handle() {}
  }
  Reflect.decorate([Job({ name: 'measure.done', tags: (d) => [`user:${d.n % 1000}`] }), OnQueue('done')], Done);
  class Broken {
    async handle(data) {
      throw new Error(`measure.broken ${data.n} fails on purpose`);
    }
  }
  Reflect.decorate([Job({ name: 'measure.broken', tries: 1, tags: (d) => [`user:${d.n % 1000}`] }), OnQueue('broken')], Broken);
  const options = {
    redis: { queue: { url }, default: { url } },
    failed: { driver: 'redis' },
    batching: { driver: 'redis' },
    prefix: PREFIX,
    horizon: { waits: { 'redis:default': 60 } },
  };
  class AppModule {}
  Reflect.decorate(
    [Module({ imports: [QueueModule.forRoot(options), dashboard.QueueDashboardModule.forRoot({ authorize: () => true })], providers: [Waiting, Done, Broken] })],
    AppModule,
  );
  return { AppModule, Waiting, Done, Broken };
}

/** Sends `count` jobs of `jobClass` in dispatchMany calls of `chunk`. */
async function sendMany(lib, bus, jobClass, count, chunk = 2000) {
  for (let sent = 0; sent < count; sent += chunk) {
    const n = Math.min(chunk, count - sent);
    await bus.dispatchMany(Array.from({ length: n }, (_, i) => lib.job(jobClass, { n: sent + i, text: 'x'.repeat(40) })));
  }
}

async function seedReal(lib, app, jobs) {
  const bus = app.get(lib.Bus);
  const worker = app.get(lib.Worker);
  const records = app.get(require(join(out, 'dashboard', 'dashboard.constants')).JOB_RECORDS_READER, { strict: false });
  await records.monitor('user:7');
  let t0 = Date.now();
  await sendMany(lib, bus, jobs.Done, COMPLETED);
  for (let b = 0; b < BATCHES; b++) await bus.batch([lib.job(jobs.Done, { n: b }), lib.job(jobs.Broken, { n: b })]).name(`batch ${b}`).allowFailures().dispatch();
  await sendMany(lib, bus, jobs.Broken, FAILED - BATCHES);
  say(`sent ${COMPLETED} + ${FAILED} jobs to run in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  const quiet = { stopWhenEmpty: true, sleep: 0, handleSignals: false, memory: 0, concurrency: 50 };
  await worker.run({ ...quiet, queue: 'done' });
  await worker.run({ ...quiet, queue: 'broken' });
  say(`ran them in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  await sendMany(lib, bus, jobs.Waiting, WAITING, 5000);
  say(`sent ${WAITING} waiting jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * What the seeding tool does not write, through the real paths: a monitored tag, batches with a failed job each,
 * and failed jobs in the failed store (the retry routes need them), all run by a real worker on other queues.
 */
async function seedExtras(lib, app, jobs) {
  const bus = app.get(lib.Bus);
  const worker = app.get(lib.Worker);
  const records = app.get(require(join(out, 'dashboard', 'dashboard.constants')).JOB_RECORDS_READER, { strict: false });
  await records.monitor('user:7');
  for (let b = 0; b < BATCHES; b++) await bus.batch([lib.job(jobs.Done, { n: b }), lib.job(jobs.Broken, { n: b })]).name(`batch ${b}`).allowFailures().dispatch();
  await sendMany(lib, bus, jobs.Broken, 100);
  await sendMany(lib, bus, jobs.Done, 1000);
  const quiet = { stopWhenEmpty: true, sleep: 0, handleSignals: false, memory: 0, concurrency: 50 };
  await worker.run({ ...quiet, queue: 'done' });
  await worker.run({ ...quiet, queue: 'broken' });
}

/** A live master record and metrics with snapshots, as a supervise master and its workers write them. */
async function seedHorizon(lib, app) {
  const state = app.get(lib.HorizonState, { strict: false });
  const now = Date.now();
  const master = {
    name: 'measure-host-1', host: 'measure-host', pid: process.pid, environment: 'production', status: 'running', startedAt: now - 3600_000, memory: 64 << 20,
    supervisors: [{ name: 'supervisor-1', connection: 'redis', queues: ['default', 'done', 'broken'], balance: 'auto', status: 'running', processes: { default: 6, done: 2, broken: 2 }, pids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
  };
  await state.registry.update(master);
  // A master renews its 5 s record from its loop; so does this one while the routes are measured.
  const renew = setInterval(() => state.registry.update(master).catch(() => undefined), 1000);
  for (let s = 0; s < 24; s++) {
    await state.metrics.record(
      new Map([['measure.done', { count: 100 + s, totalMs: 500 }], ['measure.broken', { count: 50, totalMs: 900 }]]),
      new Map([['redis:done', { count: 100 + s, totalMs: 500 }], ['redis:broken', { count: 50, totalMs: 900 }]]),
    );
    await state.metrics.snapshot({ job: 24, queue: 24 }, async () => 3, now - (24 - s) * 300_000);
  }
  await state.metrics.record(new Map([['measure.done', { count: 10, totalMs: 50 }]]), new Map([['redis:done', { count: 10, totalMs: 50 }]]));
  return () => clearInterval(renew);
}

async function timeRoute(base, method, path, headers) {
  const times = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, { method, headers });
    const body = await res.arrayBuffer();
    const ms = performance.now() - t0;
    status = res.status;
    bytes = body.byteLength;
    if (i > 0) times.push(ms); // the first request warms the route up
  }
  times.sort((a, b) => a - b);
  const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  return { method, path, status, bytes, median: Math.round(median * 10) / 10, max: Math.round(times[times.length - 1] * 10) / 10 };
}

function commandstats(info) {
  const calls = {};
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) calls[m[1]] = Number(m[2]);
  }
  return calls;
}

async function main() {
  say('compiling lib/ ...');
  compileLib(out);
  const lib = require(join(out, 'index.js'));
  const dashboard = require(join(out, 'dashboard', 'index.js'));
  const { NestFactory } = require('@nestjs/core');
  const { ExpressAdapter } = require('@nestjs/platform-express');
  const redis = await startRedis('measure-dashboard');
  let app = null;
  let stopMaster = () => undefined;
  try {
    const mod = appModule(lib, dashboard, redis.url);
    app = await NestFactory.create(mod.AppModule, new ExpressAdapter(), { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    const seedTool = join(root, 'scripts', 'seed-dashboard-data.js');
    const t0 = Date.now();
    if (existsSync(seedTool)) {
      say(`seeding with ${seedTool} ...`);
      execFileSync(process.execPath, [seedTool, '--url', redis.url, '--prefix', PREFIX, '--queue', 'default', '--waiting', String(WAITING), '--completed', String(COMPLETED), '--failed', String(FAILED)], {
        stdio: JSON_OUT ? 'ignore' : 'inherit',
      });
      await seedExtras(lib, app, mod);
    } else {
      say('seeding through real dispatches and a real worker ...');
      await seedReal(lib, app, mod);
    }
    stopMaster = await seedHorizon(lib, app);
    say(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s; Redis holds ${await redis.admin.dbsize()} keys, ${(await redis.admin.info('memory')).match(/used_memory_human:(\S+)/)[1]}`);

    const page = await (await fetch(`${base}/horizon`)).text();
    const token = JSON.parse(/window\.QueueDashboard = (\{.*?\});/.exec(page)[1]).token;
    const get = async (path) => (await fetch(`${base}/horizon/api${path}`)).json();
    const pending = await get('/jobs/pending');
    const completed = await get('/jobs/completed');
    const failed = await get('/jobs/failed');
    const batches = await get('/batches');
    say(`lists: pending ${pending.total}, completed ${completed.total}, failed ${failed.total}, batches on the first page ${batches.batches.length}`);
    const deepPending = Math.max(-1, Math.min(pending.total - 51, 500_000));
    const jobId = completed.jobs[0]?.id ?? 'none'; // a job that ended: it has a record
    // Waiting jobs have no record: GET jobs/:id finds them in their queue (the newest, and one half way down).
    const newestWaiting = pending.jobs[0]?.id ?? 'none';
    const middleWaiting = (await get(`/jobs/pending?starting_at=${deepPending}`)).jobs[0]?.id ?? 'none';
    const failedId = failed.jobs[0]?.id ?? 'none';
    const batchId = batches.batches[0]?.id ?? 'none';
    const beforeId = batches.batches[batches.batches.length - 1]?.id ?? '';

    const routes = [
      ['GET', '/stats'],
      ['GET', '/workload'],
      ['GET', '/masters'],
      ['GET', '/jobs/pending'],
      ['GET', '/jobs/pending?starting_at=4999'],
      ['GET', `/jobs/pending?starting_at=${deepPending}`],
      ['GET', '/jobs/completed'],
      ['GET', '/jobs/completed?starting_at=50000'],
      ['GET', '/jobs/silenced'],
      ['GET', `/jobs/${jobId}`],
      ['GET', `/jobs/${newestWaiting}`],
      ['GET', `/jobs/${middleWaiting}`],
      ['GET', '/jobs/failed'],
      ['GET', '/jobs/failed?starting_at=50000'],
      ['GET', '/jobs/failed?tag=user:7'],
      ['GET', `/jobs/failed/${failedId}`],
      ['GET', '/batches'],
      ['GET', `/batches?before_id=${beforeId}`],
      ['GET', `/batches/${batchId}`],
      ['GET', '/metrics/jobs'],
      ['GET', '/metrics/jobs/measure.done'],
      ['GET', '/metrics/queues'],
      ['GET', '/metrics/queues/redis:done'],
      ['GET', '/monitoring'],
      ['GET', '/monitoring/user:7'],
    ];
    await redis.admin.config('RESETSTAT');
    const results = [];
    for (const [method, path] of routes) results.push(await timeRoute(`${base}/horizon/api`, method, path, {}));
    // State-changing routes, measured once each on their own records (a retry consumes its failed record).
    const send = async (method, path, body) => {
      const t = performance.now();
      const res = await fetch(`${base}/horizon/api${path}`, { method, headers: { 'x-queue-dashboard-token': token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      await res.arrayBuffer();
      return { method, path, status: res.status, median: Math.round((performance.now() - t) * 10) / 10, once: true };
    };
    const retryTimes = [];
    for (const j of failed.jobs.slice(0, RUNS)) retryTimes.push((await send('POST', `/jobs/retry/${j.id}`)).median);
    retryTimes.sort((a, b) => a - b);
    results.push({ method: 'POST', path: '/jobs/retry/:id', status: 200, median: retryTimes[Math.floor(retryTimes.length / 2)] ?? null, runs: retryTimes.length });
    results.push(await send('POST', `/batches/retry/${batchId}`));
    results.push(await send('POST', '/monitoring', { tag: 'measure:new' }));
    results.push(await send('DELETE', '/monitoring/measure:new'));
    const stats = commandstats(await redis.admin.info('commandstats'));
    const scans = Object.fromEntries(Object.entries(stats).filter(([name]) => ['keys', 'scan'].includes(name)));

    if (JSON_OUT) {
      process.stdout.write(`${JSON.stringify({ waiting: WAITING, completed: COMPLETED, failed: FAILED, runs: RUNS, load: loadavg(), results, keyspaceScans: scans, commandstats: stats }, null, 2)}\n`);
    } else {
      say(`\nmedian of ${RUNS} requests per route (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
      for (const r of results) {
        const flag = r.median !== null && r.median > TARGET_MS ? '  over target' : '';
        say(`  ${String(r.median).padStart(7)} ms  ${r.status}  ${r.method.padEnd(6)} ${r.path}${r.once ? '  (once)' : ''}${flag}`);
      }
      say(`\nKEYS/SCAN calls while measuring: ${Object.keys(scans).length === 0 ? 'none' : JSON.stringify(scans)}`);
      const top = Object.entries(stats).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, c]) => `${n}=${c}`).join(' ');
      say(`commands run while measuring: ${top}`);
    }
    const over = results.filter((r) => r.median !== null && r.median > TARGET_MS);
    if (Object.keys(scans).length > 0 || over.length > 0) process.exitCode = 1;
  } finally {
    stopMaster();
    if (app) await app.close();
    await redis.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
