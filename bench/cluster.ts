import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { cpus, loadavg } from 'node:os';
import { Bus, Job, QueueManager, QueueModule, RedisServerOptions, Worker } from '../lib';
import { queueKeys } from '../lib/drivers/redis/queue-keys';
import { OwnedRedisCluster, startRedisCluster } from '../test/support/redis-cluster';
import { parseInfo, resetRedis, startRedis } from './redis-server';
import { HandlerCounter, jobData } from './side';
import { formatNumber, median, table } from './stats';

/**
 * `npm run bench -- --cluster`: nestjs-queue on one redis-server and on a local 3-master cluster (3 replicas),
 * one queue vs three queues on three masters, with and without durable dispatch (`replicas: 1`).
 * Per set-up: dispatch rate (50 dispatches in flight), processing rate (a worker per queue, concurrency 50 each),
 * and the Redis CPU each master spent per job over both.
 */
/** Jobs per run; BENCH_CLUSTER_JOBS overrides it (a quick check of the harness). */
const JOBS = Number(process.env.BENCH_CLUSTER_JOBS ?? 10_000);
const IN_FLIGHT = 50;
const CONCURRENCY = 50;

const counter = new HandlerCounter();

@Job({ name: 'cluster-bench-noop' })
class NoopJob {
  handle(_data: { userId: number; action: string }): void {
    counter.hit();
  }
}

interface Setup {
  label: string;
  server: () => RedisServerOptions;
  queues: string[];
  /** Ports whose CPU is measured: the masters serving the queues (or the single server). */
  masters: () => number[];
  reset: () => Promise<void>;
}

interface Sample {
  dispatch: number;
  process: number;
  cpuPerJob: number[];
}

async function openApp(server: RedisServerOptions, queue: string): Promise<INestApplicationContext> {
  @Module({
    imports: [
      QueueModule.forRoot({
        redis: { queue: server, default: server },
        default: 'redis',
        connections: { redis: { driver: 'redis', connection: 'queue', queue, blockFor: null } },
        failed: { driver: 'redis' },
        prefix: 'bench:',
      }),
    ],
    providers: [NoopJob],
  })
  class ClusterBenchModule {}
  const app = await NestFactory.createApplicationContext(ClusterBenchModule, { logger: ['error', 'warn'] });
  await app.init();
  await app.get(QueueManager).connection().size(queue); // Connected before any clock runs.
  return app;
}

async function cpuSeconds(port: number): Promise<number> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  try {
    const cpu = parseInfo(await r.info('cpu'));
    return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
  } finally {
    r.disconnect();
  }
}

async function runOnce(setup: Setup): Promise<Sample> {
  await setup.reset();
  const server = setup.server();
  const apps = await Promise.all(setup.queues.map((q) => openApp(server, q)));
  try {
    const bus = apps[0].get(Bus);
    const masters = setup.masters();
    const cpuBefore = await Promise.all(masters.map(cpuSeconds));

    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < JOBS) {
          const i = next++;
          await bus.dispatch(NoopJob, jobData(i)).onQueue(setup.queues[i % setup.queues.length]);
        }
      }),
    );
    const dispatchMs = performance.now() - t0;

    const done = counter.expect(JOBS);
    const t1 = performance.now();
    const runs = apps.map((app, i) => app.get(Worker).run({ queue: setup.queues[i], concurrency: CONCURRENCY, stopWhenEmpty: true, sleep: 0, memory: 0 }));
    const t2 = await done;
    await Promise.all(runs);
    const processMs = t2 - t1;

    const cpuAfter = await Promise.all(masters.map(cpuSeconds));
    return {
      dispatch: (JOBS / dispatchMs) * 1000,
      process: (JOBS / processMs) * 1000,
      cpuPerJob: masters.map((_, m) => ((cpuAfter[m] - cpuBefore[m]) * 1e6) / JOBS),
    };
  } finally {
    for (const app of apps) await app.close();
  }
}

/** Queue names whose keys sit on `count` different masters (the hash tag is the queue name). */
async function spreadQueues(cluster: OwnedRedisCluster, count: number): Promise<string[]> {
  const picked = new Map<number, string>();
  for (let i = 0; picked.size < count; i++) {
    const name = `bench-${i}`;
    const port = await cluster.masterPortOf(queueKeys('bench:', name, true).ready);
    if (!picked.has(port)) picked.set(port, name);
  }
  return [...picked.values()];
}

export async function runClusterBench(runs: number, json: boolean): Promise<void> {
  const log = (m: string) => {
    if (!json) process.stderr.write(m);
  };
  const started = Date.now();
  const load = [loadavg()[0]];
  const single = await startRedis();
  const cluster = await startRedisCluster({ nodeTimeoutMs: 5000 });
  const results: { label: string; samples: Sample[]; masters: number }[] = [];
  try {
    const three = await spreadQueues(cluster, 3);
    const one = [three[0]];
    const mastersOf = async (queues: string[]) => Promise.all(queues.map((q) => cluster.masterPortOf(queueKeys('bench:', q, true).ready)));
    const allMasters = await cluster.masterPorts();
    // Measure every master, the queue's own first.
    const ordered = async (queues: string[]) => {
      const own = await mastersOf(queues);
      return [...own, ...allMasters.filter((p) => !own.includes(p))];
    };
    const oneMasters = await ordered(one);
    const threeMasters = await ordered(three);
    const onCluster = (replicas: number) => () => ({ cluster: cluster.seeds, replicas });
    const resetCluster = () => cluster.flushAll();
    const setups: Setup[] = [
      { label: 'single server, 1 queue', server: () => ({ url: single.url }), queues: one, masters: () => [single.port], reset: () => resetRedis(single.admin) },
      { label: 'cluster, 1 queue', server: onCluster(0), queues: one, masters: () => oneMasters, reset: resetCluster },
      { label: 'cluster, 3 queues on 3 masters', server: onCluster(0), queues: three, masters: () => threeMasters, reset: resetCluster },
      { label: 'cluster, 1 queue, replicas: 1', server: onCluster(1), queues: one, masters: () => oneMasters, reset: resetCluster },
      { label: 'cluster, 3 queues on 3 masters, replicas: 1', server: onCluster(1), queues: three, masters: () => threeMasters, reset: resetCluster },
    ];
    for (const setup of setups) {
      log(`${setup.label}: warm-up`);
      const samples: Sample[] = [];
      for (let run = 0; run <= runs; run++) {
        const sample = await runOnce(setup);
        if (run > 0) samples.push(sample);
        log(run === 0 ? ', runs ' : `${run} `);
      }
      log('\n');
      results.push({ label: setup.label, samples, masters: setup.masters().length });
    }
  } finally {
    await cluster.stop();
    await single.stop();
  }
  load.push(loadavg()[0]);
  const rows = results.map((r) => ({
    setup: r.label,
    dispatch: median(r.samples.map((s) => s.dispatch)),
    process: median(r.samples.map((s) => s.process)),
    cpu: Array.from({ length: r.masters }, (_, m) => median(r.samples.map((s) => s.cpuPerJob[m]))),
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ jobs: JOBS, inFlight: IN_FLIGHT, concurrency: CONCURRENCY, runs, rows, load }, null, 2)}\n`);
    return;
  }
  const header = ['Set-up', `Dispatch jobs/s (${IN_FLIGHT} in flight)`, `Process jobs/s (worker per queue, concurrency ${CONCURRENCY})`, 'Redis CPU µs/job per master'];
  const body = rows.map((r) => [r.setup, formatNumber(r.dispatch, 0), formatNumber(r.process, 0), r.cpu.map((c) => formatNumber(c, 1)).join(' / ')]);
  process.stdout.write(
    `\nnestjs-queue on one Redis vs a local Redis Cluster (3 masters + 3 replicas): ${JOBS.toLocaleString('en-US')} jobs, medians of ${runs} runs after a warm-up.\n` +
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}; Node ${process.version}; ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${load.map((l) => l.toFixed(2)).join(' → ')}.\n` +
      `CPU per master: the queue's own master(s) first; every job counted once over dispatch and processing.\n\n` +
      `${table(header, body)}\n`,
  );
}
