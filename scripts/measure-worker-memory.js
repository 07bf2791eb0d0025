#!/usr/bin/env node
// Measures a worker's heap over 100,000 no-op jobs: heap after start-up (before the first job), the highest heap
// seen while working, and the heap after the last job, each after a full GC. A worker whose heap grows with the
// number of jobs it has run leaks; this shows whether ours does.
//
//   node scripts/measure-worker-memory.js [--jobs 100000] [--concurrency 1] [--json]
//
// It compiles lib/ with tsc into node_modules/.cache/nestjs-queue-measure (so it never touches dist/), starts a
// private redis-server on a free port (or uses REDIS_URL), and runs the measurement in a child with --expose-gc.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { argValue, compileLib, sleep, startRedis } = require('./measure-support');

const root = join(__dirname, '..');
const out = join(root, 'node_modules', '.cache', 'nestjs-queue-measure');


// ---------------------------------------------------------------------------------------------------- parent

async function parent() {
  compileLib(out);
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop() {} } : await startRedis('measure-worker-memory');
  try {
    const result = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, MEASURE_REDIS_URL: redis.url },
    });
    process.exitCode = result.status ?? 1;
  } finally {
    await redis.stop();
  }
}

// ----------------------------------------------------------------------------------------------------- child
const MB = 1024 * 1024;

function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

async function child() {
  require('reflect-metadata');
  const { Module } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const lib = require(out);
  const jobs = Number(argValue('jobs', '100000'));
  const concurrency = Number(argValue('concurrency', '1'));
  const url = process.env.MEASURE_REDIS_URL;
  const prefix = `measure-memory:${process.pid}:`;

  class NoopJob {
    handle() {}
  }
  lib.Job({ name: 'noop' })(NoopJob);

  class MeasureModule {}
  Module({
    imports: [
      lib.QueueModule.forRoot({
        default: 'redis',
        redis: { queue: { url }, default: { url } },
        connections: { redis: { driver: 'redis', connection: 'queue', queue: 'noop', retryAfter: 90, blockFor: null } },
        failed: { driver: 'null' },
        prefix,
      }),
    ],
    providers: [NoopJob],
  })(MeasureModule);

  const app = await NestFactory.createApplicationContext(MeasureModule, { logger: ['error', 'warn'] });
  const bus = app.get(lib.Bus);
  const worker = app.get(lib.Worker);

  const chunk = 5000;
  for (let sent = 0; sent < jobs; sent += chunk) {
    await bus.dispatchMany(Array.from({ length: Math.min(chunk, jobs - sent) }, () => lib.job(NoopJob, {})));
  }
  // Warm up (JIT, lazily made clients and scripts) on 1,000 of them, so "before" is a running worker's baseline.
  const warmUp = Math.min(1000, jobs);
  await worker.run({ maxJobs: warmUp, sleep: 0, memory: 0, concurrency });
  const before = heap();

  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 50);
  const started = process.hrtime.bigint();
  const reason = await worker.run({ stopWhenEmpty: true, sleep: 0, memory: 0, concurrency });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const after = heap();
  const left = await app.get(lib.QueueManager).connection('redis').size('noop');
  const rss = process.memoryUsage().rss;
  await app.close();

  const measured = jobs - warmUp;
  const result = {
    jobs,
    warmUp,
    measured,
    concurrency,
    stopReason: reason,
    jobsLeft: left,
    heapBeforeMB: +(before / MB).toFixed(2),
    heapPeakMB: +(peak / MB).toFixed(2),
    heapAfterMB: +(after / MB).toFixed(2),
    heapGrowthBytesPerJob: +((after - before) / measured).toFixed(3),
    rssMB: +(rss / MB).toFixed(1),
    seconds: +seconds.toFixed(2),
    jobsPerSecond: Math.round(measured / seconds),
    node: process.version,
  };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `worker memory over ${measured} no-op jobs (after ${warmUp} warm-up jobs; concurrency ${concurrency}; ${process.version}):\n` +
        `  heap before  ${result.heapBeforeMB} MB (after GC)\n` +
        `  heap peak    ${result.heapPeakMB} MB (sampled every 50 ms, without forcing GC)\n` +
        `  heap after   ${result.heapAfterMB} MB (after GC)  -> ${result.heapGrowthBytesPerJob} bytes per job\n` +
        `  rss at end   ${result.rssMB} MB\n` +
        `  ${result.seconds} s, ${result.jobsPerSecond} jobs/s; stopped: ${reason}; jobs left: ${left}\n`,
    );
  }
  if (left !== 0 || reason !== 'empty') process.exitCode = 1;
}

if (process.argv.includes('--child')) {
  child().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  parent().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
