import { cpus, loadavg, totalmem } from 'node:os';
import { BullSide } from './bullmq';
import { OursSide } from './ours';
import { runClusterBench } from './cluster';
import { BenchRedis, commandDelta, commandStats, parseInfo, resetRedis, serverCpuSeconds, startRedis, usedMemory } from './redis-server';
import type { Side } from './side';
import { formatNumber, median, percentile, table } from './stats';

/** Sizes and runs, as the issue fixes them. */
const N = {
  bulk: 10_000,
  single: 2_000,
  process: 10_000,
  latency: 1_000,
  wake: 200,
  memory: 100_000,
};

interface Options {
  json: boolean;
  runs: number;
  only: Set<string> | null;
  /** Compare one Redis with a local cluster instead (bench/cluster.ts). */
  cluster: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { json: false, runs: 5, only: null, cluster: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (arg.startsWith('--runs=')) options.runs = Math.max(1, Number(arg.slice(7)));
    else if (arg === '--cluster') options.cluster = true;
    else if (arg === '--only') options.only = new Set(argv[++i].split(','));
    else if (arg.startsWith('--only=')) options.only = new Set(arg.slice(7).split(','));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('npm run bench -- [--json] [--runs N (default 5)] [--only bulk,single,conc1,conc50,latency,wake,memory] [--cluster]\n');
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  return options;
}

/** One measured value of one run of one side. */
interface Sample {
  value: number;
  extra?: Record<string, number | Record<string, number>>;
}

interface Scenario {
  key: string;
  /** Runs per `--runs` (short scenarios take more runs: their single runs last ~0.1 s and are noisier). */
  runsFactor?: number;
  /** Runs one sample on a side; Redis is empty when it starts. */
  run(side: Side, redis: BenchRedis): Promise<Sample>;
}

const gc = (globalThis as { gc?: () => void }).gc;

const scenarios: Scenario[] = [
  {
    key: 'bulk',
    runsFactor: 2,
    async run(side) {
      const ms = await side.bulkDispatch(N.bulk);
      return { value: (N.bulk / ms) * 1000 };
    },
  },
  {
    key: 'single',
    runsFactor: 2,
    async run(side) {
      const ms = await side.singleDispatch(N.single);
      return { value: (N.single / ms) * 1000 };
    },
  },
  ...[1, 50].map(
    (concurrency): Scenario => ({
      key: `conc${concurrency}`,
      async run(side, redis) {
        await side.fill(N.process);
        const before = await commandStats(redis.admin);
        const cpuBefore = await serverCpuSeconds(redis.admin);
        const ms = await side.process(N.process, concurrency);
        const cpuAfter = await serverCpuSeconds(redis.admin);
        const after = await commandStats(redis.admin);
        // The INFO call of the first snapshot is counted in the second; take it out.
        const delta = commandDelta(before, after);
        const info = delta.byCommand.info ?? 0;
        delete delta.byCommand.info;
        return {
          value: (N.process / ms) * 1000,
          extra: {
            commandsPerJob: (delta.total - info) / N.process,
            redisCpuMicrosPerJob: ((cpuAfter - cpuBefore) * 1e6) / N.process,
            byCommand: delta.byCommand,
          },
        };
      },
    }),
  ),
  {
    key: 'latency',
    async run(side) {
      const samples = await side.latency(N.latency);
      return { value: percentile(samples, 50), extra: { p50: percentile(samples, 50), p99: percentile(samples, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length } };
    },
  },
  {
    // A worker blocked inside Redis (a blocking pop) is woken by the push itself: the ms from the send to the
    // handler's start when the worker was waiting in Redis, not polling (the tests prove the wake, this measures it).
    key: 'wake',
    async run(side, redis) {
      const samples = await side.latency(N.wake, () => untilBlocked(redis.admin));
      return { value: percentile(samples, 50), extra: { p50: percentile(samples, 50), p99: percentile(samples, 99) } };
    },
  },
  {
    key: 'memory',
    async run(side, redis) {
      const before = await usedMemory(redis.admin);
      await side.fill(N.memory);
      const after = await usedMemory(redis.admin);
      return { value: (after - before) / N.memory };
    },
  },
];

/** Waits (untimed) until a client of the bench's Redis is blocked in a blocking command: the idle worker. */
async function untilBlocked(admin: BenchRedis['admin']): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Number(parseInfo(await admin.info('clients')).blocked_clients ?? 0) < 1) {
    if (Date.now() > deadline) throw new Error('the idle worker never blocked inside Redis (blocked_clients stayed 0)');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.cluster) return runClusterBench(process.argv.some((a) => a.startsWith('--runs')) ? options.runs : 3, options.json);
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const redis = await startRedis();
  const log = (message: string) => {
    if (!options.json) process.stderr.write(message);
  };
  const sides: Side[] = [new OursSide(redis.url), new BullSide(redis.host, redis.port)];
  const results: Record<string, Record<string, Sample[]>> = {};
  try {
    for (const side of sides) await side.open();
    for (const scenario of scenarios) {
      if (options.only && !options.only.has(scenario.key)) continue;
      results[scenario.key] = {};
      for (const side of sides) results[scenario.key][side.name] = [];
      log(`${scenario.key}: warm-up`);
      const runs = options.runs * (scenario.runsFactor ?? 1);
      for (let run = 0; run <= runs; run++) {
        for (const side of sides) {
          await resetRedis(redis.admin);
          gc?.();
          const sample = await scenario.run(side, redis);
          if (run > 0) results[scenario.key][side.name].push(sample);
        }
        log(run === 0 ? ', runs ' : `${run} `);
      }
      log('\n');
    }
  } finally {
    for (const side of sides) await side.close().catch(() => undefined);
    await redis.stop();
  }
  report(options, results, redis.version, (Date.now() - started) / 1000, [loadBefore, loadavg()[0]]);
}

interface Row {
  scenario: string;
  unit: string;
  ours: number;
  bull: number;
  ratio: number;
  target: string;
  met: boolean;
  digits: number;
}

function report(options: Options, results: Record<string, Record<string, Sample[]>>, redisVersion: string, seconds: number, load: number[]): void {
  const ours = (key: string, pick: (s: Sample) => number = (s) => s.value) => median((results[key]?.['nestjs-queue'] ?? []).map(pick));
  const bull = (key: string, pick: (s: Sample) => number = (s) => s.value) => median((results[key]?.BullMQ ?? []).map(pick));
  const rows: Row[] = [];
  const add = (key: string, scenario: string, unit: string, digits: number, target: string, meets: (ratio: number) => boolean, pick?: (s: Sample) => number) => {
    if (!results[key]) return;
    const o = ours(key, pick);
    const b = bull(key, pick);
    const ratio = o / b;
    rows.push({ scenario, unit, ours: o, bull: b, ratio, target, met: target === '' || meets(ratio), digits });
  };
  const extra = (name: string) => (s: Sample) => s.extra?.[name] as number;
  add('bulk', `1. Bulk dispatch, ${N.bulk.toLocaleString('en-US')} jobs in one call`, 'jobs/s', 0, '≥ 3×', (r) => r >= 3);
  add('single', `2. Sequential single dispatch, ${N.single.toLocaleString('en-US')} jobs`, 'jobs/s', 0, '≥ 1.5×', (r) => r >= 1.5);
  add('conc1', `3. Processing ${N.process.toLocaleString('en-US')} jobs, concurrency 1`, 'jobs/s', 0, '≥ 1.5×', (r) => r >= 1.5);
  add('conc50', `4. Processing ${N.process.toLocaleString('en-US')} jobs, concurrency 50`, 'jobs/s', 0, '≥ 2×', (r) => r >= 2);
  add('latency', `5. Enqueue → handler start, p50 (${N.latency.toLocaleString('en-US')} jobs)`, 'ms', 3, '≤ 1×', (r) => r <= 1, extra('p50'));
  add('latency', `5. Enqueue → handler start, p99`, 'ms', 3, '', () => true, extra('p99'));
  add('wake', `5. Wake: push → handler start, worker blocked in Redis, p50 (${N.wake} jobs)`, 'ms', 3, '', () => true, extra('p50'));
  add('wake', '5. Wake: push → handler start, worker blocked in Redis, p99', 'ms', 3, '', () => true, extra('p99'));
  add('conc1', '6. Redis commands per processed job (concurrency 1)', 'commands', 2, '≤ 0.5×', (r) => r <= 0.5, extra('commandsPerJob'));
  add('conc50', '6. Redis commands per processed job (concurrency 50)', 'commands', 2, '', () => true, extra('commandsPerJob'));
  add('conc1', '   Redis server CPU per processed job (concurrency 1)', 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
  add('conc50', '   Redis server CPU per processed job (concurrency 50)', 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
  add('memory', `7. Redis memory per waiting job (${N.memory.toLocaleString('en-US')} waiting)`, 'bytes', 0, '≤ 0.5×', (r) => r <= 0.5);

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: redisVersion,
    runs: options.runs,
    /** 1-minute load average when the benchmark started and ended: other work on the machine skews the figures. */
    loadAverage: load.map((l) => Math.round(l * 100) / 100),
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ machine, seconds, sizes: N, rows, samples: results }, null, 2)}\n`);
    return;
  }
  const header = ['Scenario', 'Unit', 'nestjs-queue', 'BullMQ', 'ours/BullMQ', 'Target', 'Met'];
  const body = rows.map((r) => [
    r.scenario,
    r.unit,
    formatNumber(r.ours, r.digits),
    formatNumber(r.bull, r.digits),
    `${formatNumber(r.ratio, 2)}×`,
    r.target,
    r.target === '' ? '' : r.met ? 'yes' : 'NO',
  ]);
  process.stdout.write(
    `\nnestjs-queue vs BullMQ ${bullVersion()}: medians of ${options.runs} runs each (${options.runs * 2} for scenarios 1 and 2) after a warm-up, alternating.\n` +
      `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; Node ${machine.node}; Redis ${machine.redis} (no persistence); ${seconds.toFixed(0)} s; load average ${machine.loadAverage.join(' → ')}.\n\n` +
      `${table(header, body)}\n`,
  );
}

function bullVersion(): string {
  try {
    return (require('bullmq/package.json') as { version: string }).version;
  } catch {
    return '';
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
