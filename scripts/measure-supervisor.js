#!/usr/bin/env node
// Measures the supervisor on this machine: jobs/s of one supervisor at 1, 2, 4 and 8 worker processes (no-op jobs),
// the same with 8 plain `work` processes started by hand, the time from a worker's SIGKILL to its replacement
// having processed a job, and the memory (RSS) of the master and of one worker.
//
//   node scripts/measure-supervisor.js [--jobs 20000] [--json]     (also: npm run bench -- --supervisor)
//
// It compiles lib/ with tsc into node_modules/.cache/nestjs-queue-measure-supervisor (never touching dist/), starts a
// private redis-server on a free port, and runs the CLI binary of that build as real processes.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { argValue, compileLib, sleep, startRedis } = require('./measure-support');

const root = join(__dirname, '..');
const out = join(root, 'node_modules', '.cache', 'nestjs-queue-measure-supervisor');
const APP = join(root, 'bench', 'supervisor-app.js');
const JOBS = Number(argValue('jobs', 20000));
const JSON_OUT = process.argv.includes('--json');
const say = (line) => JSON_OUT || process.stdout.write(`${line}\n`);

function rssOf(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) * 1024 : null;
  } catch {
    return null;
  }
}

async function main() {
  compileLib(out);
  process.env.NESTJS_QUEUE_DIST = out;
  const redis = await startRedis('measure-supervisor');
  const bin = join(out, 'cli', 'bin.js');
  const lib = require(out);
  const { NestFactory } = require('@nestjs/core');
  const results = { machine: { cpus: cpus().length, loadavg: loadavg().map((l) => +l.toFixed(2)) }, jobs: JOBS, supervisor: {}, plainWork8: null, replacementMs: [], memory: {} };
  let n = 0;
  const started = [];
  const env = (prefix, processes) => ({ ...process.env, REDIS_URL: redis.url, QUEUE_PREFIX: prefix, PROCESSES: String(processes), QUEUE_APP: `${APP}#AppModule`, NO_COLOR: '1' });
  const spawnCli = (args, e) => {
    const child = spawn(process.execPath, [bin, ...args], { env: e, stdio: ['ignore', 'ignore', 'inherit'] });
    started.push(child);
    return child;
  };
  const appFor = async (prefix) => {
    process.env.REDIS_URL = redis.url;
    process.env.QUEUE_PREFIX = prefix;
    delete require.cache[require.resolve(APP)];
    const { AppModule, NoopJob } = require(APP);
    const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
    return { app, bus: app.get(lib.Bus), driver: app.get(lib.QueueManager).connection('redis'), state: lib.HorizonState.of(app), NoopJob };
  };
  const fill = async (t, count) => {
    for (let i = 0; i < count; i += 1000) await t.bus.dispatchMany(Array.from({ length: Math.min(1000, count - i) }, () => lib.job(t.NoopJob, {})));
  };
  const drained = async (t, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await t.driver.size('default')) > 0) {
      if (Date.now() > deadline) throw new Error('the queue did not drain');
      await sleep(20);
    }
  };
  const stopChild = async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };

  try {
    for (const processes of [1, 2, 4, 8]) {
      const prefix = `m${++n}:`;
      const t = await appFor(prefix);
      const master = spawnCli(['supervise', '--environment=bench'], env(prefix, processes));
      for (;;) {
        const sups = await t.state.supervisors();
        if (sups[0] && sups[0].processes.default === processes) break;
        await sleep(100);
      }
      // Warm-up: every process has booted and taken jobs once it is drained.
      await fill(t, 100 * processes);
      await drained(t);
      await sleep(1500);
      await fill(t, JOBS);
      const t0 = performance.now();
      await drained(t);
      const seconds = (performance.now() - t0) / 1000;
      const [masterState] = await t.state.masters();
      const workerPid = masterState.supervisors[0].pids[0];
      results.supervisor[processes] = Math.round(JOBS / seconds);
      if (processes === 8) results.memory = { masterRss: rssOf(master.pid), workerRss: rssOf(workerPid), masterReported: masterState.memory };
      say(`supervisor, ${processes} process(es): ${results.supervisor[processes]} jobs/s (${JOBS} no-op jobs in ${seconds.toFixed(2)} s)`);
      await t.state.broadcast({ type: 'terminate' });
      await new Promise((r) => (master.exitCode !== null ? r() : master.once('exit', r)));
      await t.app.close();
    }

    {
      const prefix = `m${++n}:`;
      const t = await appFor(prefix);
      const workers = Array.from({ length: 8 }, () => spawnCli(['work', 'redis', '--queue=default', '--sleep=0.05', '--memory=0'], env(prefix, 8)));
      await sleep(500);
      await fill(t, 800);
      await drained(t);
      await sleep(1500);
      await fill(t, JOBS);
      const t0 = performance.now();
      await drained(t);
      const seconds = (performance.now() - t0) / 1000;
      results.plainWork8 = Math.round(JOBS / seconds);
      say(`8 plain \`work\` processes: ${results.plainWork8} jobs/s (${JOBS} no-op jobs in ${seconds.toFixed(2)} s)`);
      await Promise.all(workers.map(stopChild));
      await t.app.close();
    }

    {
      const prefix = `m${++n}:`;
      const t = await appFor(prefix);
      const master = spawnCli(['supervise', '--environment=bench'], env(prefix, 1));
      let pid = null;
      for (let run = 0; run < 3; run++) {
        for (;;) {
          const sups = await t.state.supervisors();
          const pids = sups[0]?.pids ?? [];
          if (pids.length === 1 && pids[0] !== pid) {
            pid = pids[0];
            break;
          }
          await sleep(50);
        }
        // Let it boot and take a job, and live past the "dies at once" window so no restart pause applies.
        await fill(t, 1);
        await drained(t);
        await sleep(10_500);
        const t0 = performance.now();
        process.kill(pid, 'SIGKILL');
        await fill(t, 1);
        await drained(t);
        const ms = Math.round(performance.now() - t0);
        results.replacementMs.push(ms);
        say(`SIGKILL to a worker -> its replacement processed a job: ${ms} ms`);
      }
      await t.state.broadcast({ type: 'terminate' });
      await new Promise((r) => (master.exitCode !== null ? r() : master.once('exit', r)));
      await t.app.close();
    }
    const mb = (b) => (b == null ? 'n/a' : `${(b / 1048576).toFixed(1)} MB`);
    say(`memory at 8 processes: master RSS ${mb(results.memory.masterRss)}, one worker RSS ${mb(results.memory.workerRss)}`);
    say(`machine: ${results.machine.cpus} cores, load average ${results.machine.loadavg.join(' ')}`);
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`measure-supervisor failed: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
