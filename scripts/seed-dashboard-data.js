#!/usr/bin/env node
// Seeds a Redis with dashboard data at scale, in the layout the Redis driver's scripts write (through the same key
// helpers, lib/drivers/redis/job-record-keys.ts and queue-keys.ts): waiting jobs on a queue's ready list (with
// their wake-up tokens), and completed and failed job records with their time-ordered lists, the queue in the set
// of queues with records. Pipelined, 10,000 commands a batch.
//
//   node scripts/seed-dashboard-data.js --url redis://127.0.0.1:6390 [--prefix queue:] [--queue default]
//        [--connection redis] [--waiting 1000000] [--completed 100000] [--failed 100000] [--minutes 50]
//
// or from code: const { seedDashboardData } = require('./scripts/seed-dashboard-data');
//               await seedDashboardData({ url, waiting: 1e6, completed: 1e5, failed: 1e5 });
// Records are spread over the last `minutes` (default 50, inside the default trims: completed 60 minutes, failed
// 7 days) and are trimmed as the scripts' records are. Never point it at a Redis that holds data you care about: it
// adds keys under the prefix and deletes nothing.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** Loads lib/*.ts straight from the sources (swc, CommonJS), so the seed uses the library's own key helpers. */
function requireLib(path) {
  if (!require.extensions['.ts']) {
    const swc = require('@swc/core');
    require.extensions['.ts'] = (module, filename) => {
      const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
        filename,
        jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      module._compile(code, filename);
    };
  }
  return require(join(root, 'lib', path));
}

const BATCH = 10000;

async function seedDashboardData(options) {
  const Redis = require('ioredis');
  const { v7: uuidv7 } = require('uuid');
  const keysLib = requireLib('drivers/redis/job-record-keys.ts');
  const { queueKeys } = requireLib('drivers/redis/queue-keys.ts');
  const o = {
    prefix: 'queue:', queue: 'default', connection: 'redis', waiting: 1_000_000, completed: 100_000, failed: 100_000, minutes: 50,
    ...options,
  };
  const redis = new Redis(o.url, { maxRetriesPerRequest: null });
  const q = queueKeys(o.prefix, o.queue);
  const rk = keysLib.jobRecordKeys(o.prefix, o.queue);
  const started = Date.now();
  const now = Date.now();
  const span = o.minutes * 60000;
  const payloadOf = (id, n) => `{"v":1,"uuid":"${id}","job":"seed-job","data":{"userId":${n},"action":"seeded"},"tags":["user:${n % 1000}"]}`;

  async function inBatches(total, add) {
    for (let i = 0; i < total; i += BATCH) {
      const pipeline = redis.pipeline();
      for (let k = i; k < Math.min(total, i + BATCH); k++) add(pipeline, k);
      const results = await pipeline.exec();
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    }
  }

  await redis.sadd(keysLib.recordedQueuesKey(o.prefix), keysLib.recordedQueueMember(o.connection, o.queue));
  await inBatches(Math.ceil(o.waiting / 1000), (p, chunk) => {
    const payloads = [];
    for (let k = chunk * 1000; k < Math.min(o.waiting, chunk * 1000 + 1000); k++) payloads.push(payloadOf(uuidv7(), k));
    p.rpush(q.ready, ...payloads);
    p.rpush(q.notify, ...payloads.map(() => '1'));
  });

  // As the ack writes them: a completed job's record holds what its payload does not (the payload as reserved
  // follows it); a failed job's adds the fields read from the payload's head, its tags and the exception.
  const record = (status, n, at) => {
    const id = uuidv7({ msecs: at - 50 });
    const tags = JSON.stringify([`user:${n % 1000}`]);
    const reserved = payloadOf(id, n).replace('{"v":1,', '{"v":1,"attempts":1,');
    const meta =
      status === 'failed'
        ? { id, name: 'seed-job', connection: o.connection, queue: o.queue, tags, encrypted: false, pushed_at: at - 50, status, attempts: 1, reserved_at: at - 10, failed_at: at, exception: `Error: seeded failure ${n}\n    at SeedJob.handle (seed.js:1:1)` }
        : { connection: o.connection, queue: o.queue, status, reserved_at: at - 10, completed_at: at };
    return { id, text: keysLib.joinRecord(meta, reserved), tags: [`user:${n % 1000}`] };
  };
  // Records are fields of the queue's data hash while their ids are on a list (the lists' trims delete them).
  await inBatches(o.completed, (p, n) => {
    const at = now - Math.floor(((o.completed - n) / o.completed) * span);
    const r = record('completed', n, at);
    p.hset(rk.data, r.id, r.text);
    p.zadd(rk.completed, at, r.id);
  });
  await inBatches(o.failed, (p, n) => {
    const at = now - Math.floor(((o.failed - n) / o.failed) * span);
    const r = record('failed', n, at);
    p.hset(rk.data, r.id, r.text);
    p.zadd(rk.failed, at, r.id);
    for (const tag of r.tags) p.zadd(keysLib.failedTagKey(rk, tag), at, r.id);
  });
  redis.disconnect();
  return { waiting: o.waiting, completed: o.completed, failed: o.failed, queue: o.queue, prefix: o.prefix, seconds: (Date.now() - started) / 1000 };
}

module.exports = { seedDashboardData };

if (require.main === module) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
  };
  const url = arg('url');
  if (!url) {
    process.stderr.write('usage: node scripts/seed-dashboard-data.js --url redis://host:port [--prefix queue:] [--queue default] [--waiting N] [--completed N] [--failed N]\n');
    process.exit(1);
  }
  seedDashboardData({
    url, prefix: arg('prefix', 'queue:'), queue: arg('queue', 'default'), connection: arg('connection', 'redis'),
    waiting: Number(arg('waiting', 1_000_000)), completed: Number(arg('completed', 100_000)), failed: Number(arg('failed', 100_000)),
    minutes: Number(arg('minutes', 50)),
  }).then(
    (summary) => process.stdout.write(`${JSON.stringify(summary)}\n`),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
