#!/usr/bin/env node
// Measures how long the dashboard's pages take to load in Chromium at scale: seeds a private redis-server with
// 1,000,000 waiting jobs, 100,000 completed and 100,000 failed job records (as scripts/measure-dashboard.js does:
// scripts/seed-dashboard-data.js when it exists, else real dispatches and a real worker), serves the dashboard
// from a Nest app (Express), and opens each page in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core): the time from navigation to the page's data on screen, median of --runs loads (first load,
// with an empty cache, reported apart).
//
//   node scripts/measure-dashboard-page.js [--waiting 1000000] [--completed 100000] [--failed 100000] [--runs 5]
//
// It compiles lib/ with tsc into node_modules/.cache/nestjs-queue-measure-dashboard-page (never touching dist/).
'use strict';
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, mkdtempSync, rmSync } = require('node:fs');
const { loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { argValue, compileLib, sleep, startRedis } = require('./measure-support');
const { buildDashboard, outdir: uiDist } = require('./build-dashboard');

const root = join(__dirname, '..');
const out = join(root, 'node_modules', '.cache', 'nestjs-queue-measure-dashboard-page');
const WAITING = Number(argValue('waiting', 1_000_000));
const COMPLETED = Number(argValue('completed', 100_000));
const FAILED = Number(argValue('failed', 100_000));
const RUNS = Number(argValue('runs', 5));
const TARGET_MS = 1000;
const PREFIX = 'measure-dashboard-page:';
const say = (line) => process.stdout.write(`${line}\n`);

/** Each page, and what on it means "its data is on screen". */
const PAGES = [
  ['/dashboard', '#overview .stat-value >> nth=7', '#workload tbody tr'],
  ['/jobs/pending', 'table.jobs tbody tr >> nth=49'],
  ['/jobs/completed', 'table.jobs tbody tr >> nth=49'],
  ['/failed', 'table.jobs tbody tr >> nth=49'],
  ['/batches', '#batches tbody tr'],
  ['/monitoring', '#monitored-tags tbody tr'],
  ['/metrics/jobs', '#metrics-list tbody tr'],
  ['/metrics/jobs/measure.done', '#throughput-chart canvas'],
];

function appModule(lib, dashboard, url) {
  require('reflect-metadata');
  const { Module } = require('@nestjs/common');
  const { QueueModule, Job, OnQueue } = lib;
  const define = (name, queue, handle) => {
    const Class = { [name]: class { async handle(data) { return handle(data); } } }[name];
    Reflect.decorate([Job({ name: `measure.${name.toLowerCase()}`, tries: 1, tags: (d) => [`user:${d.n % 1000}`] }), OnQueue(queue)], Class);
    return Class;
  };
  const Waiting = define('Waiting', 'default', () => undefined);
  const Done = define('Done', 'done', () => undefined);
  const Broken = define('Broken', 'broken', (d) => {
    throw new Error(`measure.broken ${d.n} fails on purpose`);
  });
  const options = { redis: { queue: { url }, default: { url } }, failed: { driver: 'redis' }, batching: { driver: 'redis' }, prefix: PREFIX, horizon: { waits: { 'redis:default': 60 } } };
  class AppModule {}
  Reflect.decorate([Module({ imports: [QueueModule.forRoot(options), dashboard.QueueDashboardModule.forRoot({ authorize: () => true })], providers: [Waiting, Done, Broken] })], AppModule);
  return { AppModule, Waiting, Done, Broken };
}

async function sendMany(lib, bus, jobClass, count, chunk = 2000) {
  for (let sent = 0; sent < count; sent += chunk) {
    const n = Math.min(chunk, count - sent);
    await bus.dispatchMany(Array.from({ length: n }, (_, i) => lib.job(jobClass, { n: sent + i, text: 'x'.repeat(40) })));
  }
}

async function seed(lib, app, jobs, redisUrl) {
  const bus = app.get(lib.Bus);
  const records = app.get(require(join(out, 'dashboard', 'dashboard.constants')).JOB_RECORDS_READER, { strict: false });
  await records.monitor('user:7');
  for (let b = 0; b < 60; b++) await bus.batch([lib.job(jobs.Done, { n: b }), lib.job(jobs.Broken, { n: b })]).name(`batch ${b}`).allowFailures().dispatch();
  const seedTool = join(root, 'scripts', 'seed-dashboard-data.js');
  if (existsSync(seedTool)) {
    say(`seeding with ${seedTool} ...`);
    execFileSync(process.execPath, [seedTool, '--url', redisUrl, '--prefix', PREFIX, '--waiting', String(WAITING), '--completed', String(COMPLETED), '--failed', String(FAILED)], { stdio: 'inherit' });
  } else {
    say('seeding through real dispatches and a real worker ...');
    await sendMany(lib, bus, jobs.Done, COMPLETED);
    await sendMany(lib, bus, jobs.Broken, FAILED);
    const quiet = { stopWhenEmpty: true, sleep: 0, handleSignals: false, memory: 0, concurrency: 50 };
    await app.get(lib.Worker).run({ ...quiet, queue: 'done' });
    await app.get(lib.Worker).run({ ...quiet, queue: 'broken' });
    await sendMany(lib, bus, jobs.Waiting, WAITING, 5000);
  }
  // A live master and metrics snapshots, as a supervise master and its workers write them.
  const state = app.get(lib.HorizonState, { strict: false });
  const now = Date.now();
  const master = {
    name: 'measure-host-1', host: 'measure-host', pid: process.pid, environment: 'production', status: 'running', startedAt: now - 3600_000, memory: 64 << 20,
    supervisors: [{ name: 'supervisor-1', connection: 'redis', queues: ['default', 'done', 'broken'], balance: 'auto', status: 'running', processes: { default: 6, done: 2, broken: 2 }, pids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
  };
  await state.registry.update(master);
  const renew = setInterval(() => state.registry.update(master).catch(() => undefined), 1000);
  for (let s = 0; s < 24; s++) {
    await state.metrics.record(new Map([['measure.done', { count: 100 + s, totalMs: 500 }]]), new Map([['redis:done', { count: 100 + s, totalMs: 500 }]]));
    await state.metrics.snapshot({ job: 24, queue: 24 }, async () => 3, now - (24 - s) * 300_000);
  }
  return () => clearInterval(renew);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Where a load's time went, from the page's own timings (ms from navigation start): HTML, scripts, API calls. */
async function steps(page) {
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const api = res.filter((r) => r.name.includes('/api/'));
    const js = res.filter((r) => /\/assets\/.*\.js/.test(r.name));
    const end = (list) => (list.length ? Math.max(...list.map((r) => r.responseEnd)) : null);
    return {
      html: nav ? nav.responseEnd : null,
      js: end(js),
      jsBytes: js.reduce((a, r) => a + (r.transferSize || 0), 0),
      apiStart: api.length ? Math.min(...api.map((r) => r.startTime)) : null,
      apiEnd: end(api),
      apiCalls: api.length,
    };
  });
  const ms = (v) => (v === null ? '-' : `${Math.round(v)}`);
  return `html ${ms(t.html)}, scripts ${ms(t.js)} (${Math.round(t.jsBytes / 1024)} KB sent), ${t.apiCalls} API calls ${ms(t.apiStart)}–${ms(t.apiEnd)}`;
}

async function measurePages(base) {
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'nq-measure-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  const results = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    for (const [route, ...ready] of PAGES) {
      const times = [];
      let firstSteps = '';
      for (let i = 0; i <= RUNS; i++) {
        await page.goto('about:blank');
        const t0 = performance.now();
        await page.goto(`${base}${route}`);
        for (const selector of ready) await page.locator(selector).first().waitFor({ timeout: 30_000 });
        times.push(performance.now() - t0);
        if (i === 0) firstSteps = await steps(page);
      }
      const [first, ...rest] = times;
      results.push({ route, first: Math.round(first), median: Math.round(median(rest)), max: Math.round(Math.max(...rest)), steps: firstSteps });
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return { results, errors };
}

async function main() {
  say('building the UI and compiling lib/ ...');
  await buildDashboard();
  compileLib(out);
  cpSync(uiDist, join(out, 'dashboard', 'ui', 'dist'), { recursive: true });
  const lib = require(join(out, 'index.js'));
  const dashboard = require(join(out, 'dashboard', 'index.js'));
  const { NestFactory } = require('@nestjs/core');
  const { ExpressAdapter } = require('@nestjs/platform-express');
  const redis = await startRedis('measure-dashboard-page');
  let app = null;
  let stopMaster = () => undefined;
  try {
    const mod = appModule(lib, dashboard, redis.url);
    app = await NestFactory.create(mod.AppModule, new ExpressAdapter(), { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/horizon`;
    const t0 = Date.now();
    stopMaster = await seed(lib, app, mod, redis.url);
    say(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s; Redis holds ${await redis.admin.dbsize()} keys`);
    const totals = await Promise.all(['pending', 'completed', 'failed'].map(async (l) => (await (await fetch(`${base}/api/jobs/${l}`)).json()).total));
    say(`lists: pending ${totals[0]}, completed ${totals[1]}, failed ${totals[2]}`);
    const { results, errors } = await measurePages(base);
    say(`\nChromium page loads, navigation to data on screen (first load, then the median and max of ${RUNS}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
    for (const r of results) say(`  ${String(r.first).padStart(6)} ms first  ${String(r.median).padStart(6)} ms median  ${String(r.max).padStart(6)} ms max  ${r.route}${r.median > TARGET_MS || r.first > TARGET_MS ? '  over target' : ''}`);
    say('first loads, ms from navigation start:');
    for (const r of results) say(`  ${r.route}: ${r.steps}`);
    say(`console errors: ${errors.length === 0 ? 'none' : errors.join(' | ')}`);
    if (errors.length > 0 || results.some((r) => r.median > TARGET_MS || r.first > TARGET_MS)) process.exitCode = 1;
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
