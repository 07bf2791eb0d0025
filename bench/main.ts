import { cpus, loadavg, totalmem } from 'node:os';
import { BullSide } from './bullmq';
import { OursSide } from './ours';
import { runClusterBench } from './cluster';
import { ceilingScenario } from './ceiling';
import { delayedRows, delayedScenarios } from './delayed';
import { GROWTH, growthNotes, growthRows, growthScenarios } from './growth';
import { runDatabaseBench } from './database';
import { runRecordsBench } from './records';
import { BenchRedis, commandDelta, commandStats, netBytes, parseInfo, resetRedis, serverCpuSeconds, startRedis, usedMemory } from './redis-server';
import type { Sample, Scenario } from './scenario';
import type { ProcessOptions, Side } from './side';
import { formatNumber, median, percentile, table } from './stats';

/** Sizes and runs, as the issue fixes them. */
const N = {
  bulk: 10_000,
  single: 2_000,
  process: 10_000,
  latency: 1_000,
  wake: 200,
  memory: 100_000,
  /** dispatchMany in one call, at each size. */
  many: [1_000, 10_000, 100_000],
  batch: 10_000,
  batchConcurrency: 50,
  /** The batch at concurrency 1, where each job's batch count is a round trip of its own. */
  batch1: 2_000,
  /** Payload-size scenarios at concurrency 50: KB of job data added, and jobs processed (fewer of the big ones). */
  payloads: [
    { kb: 1, jobs: 10_000 },
    { kb: 10, jobs: 10_000 },
    { kb: 50, jobs: 4_000 },
  ],
  payloadConcurrency: 50,
};

interface Options {
  json: boolean;
  runs: number;
  only: Set<string> | null;
  /** Compare one Redis with a local cluster instead (bench/cluster.ts). */
  cluster: boolean;
  /** `--driver database`: the database queue driver's scenarios instead (bench/database.ts). */
  driver: 'redis' | 'database';
  /** Compare job records on and off instead (bench/records.ts). */
  records: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { json: false, runs: 5, only: null, cluster: false, driver: 'redis', records: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (arg.startsWith('--runs=')) options.runs = Math.max(1, Number(arg.slice(7)));
    else if (arg === '--cluster') options.cluster = true;
    else if (arg === '--driver' || arg.startsWith('--driver=')) {
      const value = arg === '--driver' ? argv[++i] : arg.slice('--driver='.length);
      if (value !== 'redis' && value !== 'database') throw new Error(`--driver takes redis or database, got ${value}`);
      options.driver = value;
    }
    else if (arg === '--records') options.records = true;
    else if (arg === '--only') options.only = new Set(argv[++i].split(','));
    else if (arg.startsWith('--only=')) options.only = new Set(arg.slice(7).split(','));
    else if (arg === '--help' || arg === '-h') {
      const keys = (opt: boolean) => scenarios.filter((x) => Boolean(x.optIn) === opt).map((x) => x.key).join(',');
      process.stdout.write(
        `npm run bench -- [--json] [--runs N (default 5)] [--only SCENARIOS]\n` +
          `  default run: ${keys(false)}\n` +
          `  only when --only names them (big: ~1–2 min each at --runs 3): ${keys(true)}\n` +
          `  sustained takes at most 2 runs (10 s per side and run), without a warm-up; ceiling runs redis-benchmark against the bench's own server\n`,
      );
      process.stdout.write('npm run bench -- [--cluster] [--driver redis|database [--only single,concurrent,conc1,conc50,latency,sqlite-single,sqlite-conc1,sqlite-conc10]] [--records [--only single,conc1,conc50,memory]]\n');
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  return options;
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
  ...N.many.map(
    (n): Scenario => ({
      key: `many${n / 1000}k`,
      // The short calls are the noisy ones.
      runsFactor: n < 100_000 ? 2 : 1,
      async run(side) {
        const ms = await side.bulkDispatch(n);
        return { value: (n / ms) * 1000 };
      },
    }),
  ),
  // A batch with a callback, then a worker: the dispatch, the time until the callback runs, and the same jobs
  // without a batch (the per-job cost of a batch is the ratio of the two); at concurrency 50 and at 1.
  ...([['batch', N.batch, N.batchConcurrency], ['batch1', N.batch1, 1]] as const).map(
    ([key, n, concurrency]): Scenario => ({
      key,
      async run(side, redis) {
        const batch = await side.batch(n, concurrency);
        await resetRedis(redis.admin);
        const plain = await side.batch(n, concurrency, true);
        return { value: batch.doneMs, extra: { dispatchMs: batch.dispatchMs, plainMs: plain.doneMs, costRatio: batch.doneMs / plain.doneMs } };
      },
    }),
  ),
  // conc1d: concurrency 1 on the library's defaults (blockFor: null) beside conc1's tuned blockFor: 5.
  ...([['conc1', 1, {}], ['conc1d', 1, { defaults: true }], ['conc50', 50, {}], ['conc200', 200, {}]] as const).map(
    ([key, concurrency, options]: readonly [string, number, ProcessOptions]): Scenario => ({
      key,
      run: (side, redis) => processing(side, redis, N.process, concurrency, 0, options),
    }),
  ),
  // The same at concurrency 50 with bigger payloads: what each job costs Redis (CPU, bytes each way) as it grows.
  ...N.payloads.map(
    ({ kb, jobs }): Scenario => ({
      key: `pay${kb}k`,
      run: (side, redis) => processing(side, redis, jobs, N.payloadConcurrency, kb * 1024),
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
  ...delayedScenarios,
  ...growthScenarios,
  ceilingScenario,
];

/**
 * Queues `n` jobs (untimed), then one worker at `concurrency` processes them: jobs/s, and per job the Redis
 * commands, the server's CPU (used_cpu_user + used_cpu_sys) and the bytes it read and wrote (INFO stats), all as
 * deltas over the processing alone.
 */
async function processing(side: Side, redis: BenchRedis, n: number, concurrency: number, padBytes = 0, options: ProcessOptions = {}): Promise<Sample> {
  await side.fill(n, padBytes);
  const before = await commandStats(redis.admin);
  const netBefore = await netBytes(redis.admin);
  const cpuBefore = await serverCpuSeconds(redis.admin);
  const nodeBefore = process.cpuUsage();
  const ms = await side.process(n, concurrency, options);
  const node = process.cpuUsage(nodeBefore);
  const cpuAfter = await serverCpuSeconds(redis.admin);
  const netAfter = await netBytes(redis.admin);
  const after = await commandStats(redis.admin);
  // The INFO calls between the snapshots are counted in the second; take them out (their bytes, ~2 KB, stay in).
  const delta = commandDelta(before, after);
  const info = delta.byCommand.info ?? 0;
  delete delta.byCommand.info;
  return {
    value: (n / ms) * 1000,
    extra: {
      commandsPerJob: (delta.total - info) / n,
      redisCpuMicrosPerJob: ((cpuAfter - cpuBefore) * 1e6) / n,
      bytesInPerJob: (netAfter.input - netBefore.input) / n,
      bytesOutPerJob: (netAfter.output - netBefore.output) / n,
      // This process, every thread (ours: the watchdog's too), user + system, from the worker's start to its stop.
      nodeCpuMicrosPerJob: (node.user + node.system) / n,
      byCommand: delta.byCommand,
    },
  };
}

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
  if (options.driver === 'database') return runDatabaseBench(process.argv.some((a) => a.startsWith('--runs')) ? options.runs : 3, options.json, options.only);
  if (options.records) return runRecordsBench(options.runs, options.json, options.only);
  if (options.cluster) return runClusterBench(process.argv.some((a) => a.startsWith('--runs')) ? options.runs : 3, options.json);
  const unknown = [...(options.only ?? [])].filter((key) => !scenarios.some((x) => x.key === key));
  if (unknown.length) throw new Error(`Unknown scenario ${unknown.join(', ')}: --help lists them.`);
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
      if (options.only ? !options.only.has(scenario.key) : scenario.optIn) continue;
      const started = Date.now();
      // A shared scenario measures Redis itself: once per run, under `redis`.
      const runners = scenario.shared ? [{ name: 'redis', side: sides[0] }] : sides.map((side) => ({ name: side.name, side }));
      results[scenario.key] = {};
      for (const { name } of runners) results[scenario.key][name] = [];
      const first = scenario.warmup === false ? 1 : 0;
      log(`${scenario.key}: ${first === 0 ? 'warm-up, ' : ''}runs `);
      const runs = Math.min(scenario.maxRuns ?? Infinity, options.runs * (scenario.runsFactor ?? 1));
      for (let run = first; run <= runs; run++) {
        for (const { name, side } of runners) {
          await resetRedis(redis.admin);
          gc?.();
          const sample = await scenario.run(side, redis);
          if (run > 0) results[scenario.key][name].push(sample);
        }
        if (run > 0) log(`${run} `);
      }
      log(`(${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
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
  /** Lowest and highest over the runs. */
  oursRange: [number, number];
  bullRange: [number, number];
  ratio: number;
  target: string;
  met: boolean;
  digits: number;
}

function report(options: Options, results: Record<string, Record<string, Sample[]>>, redisVersion: string, seconds: number, load: number[]): void {
  const ours = (key: string, pick: (s: Sample) => number = (s) => s.value) => median((results[key]?.['nestjs-queue'] ?? []).map(pick));
  const bull = (key: string, pick: (s: Sample) => number = (s) => s.value) => median((results[key]?.BullMQ ?? []).map(pick));
  const rows: Row[] = [];
  const range = (key: string, side: string, pick: (s: Sample) => number = (s) => s.value): [number, number] => {
    const values = (results[key]?.[side] ?? []).map(pick);
    return values.length ? [Math.min(...values), Math.max(...values)] : [NaN, NaN];
  };
  /** `meets` gets ours/BullMQ, and ours itself (for a target on our own figure, as the batch's cost ratio). */
  const add = (key: string, scenario: string, unit: string, digits: number, target: string, meets: (ratio: number, ours: number) => boolean, pick?: (s: Sample) => number) => {
    if (!results[key]) return;
    const o = ours(key, pick);
    const b = bull(key, pick);
    const ratio = o / b;
    rows.push({
      scenario, unit, ours: o, bull: b, oursRange: range(key, 'nestjs-queue', pick), bullRange: range(key, 'BullMQ', pick),
      ratio, target, met: target === '' || meets(ratio, o), digits,
    });
  };
  const extra = (name: string) => (s: Sample) => s.extra?.[name] as number;
  add('bulk', `1. Bulk dispatch, ${N.bulk.toLocaleString('en-US')} jobs in one call`, 'jobs/s', 0, '≥ 5×', (r) => r >= 5);
  add('single', `2. Sequential single dispatch, ${N.single.toLocaleString('en-US')} jobs`, 'jobs/s', 0, '≥ 1.8×', (r) => r >= 1.8);
  for (const n of N.many) {
    add(`many${n / 1000}k`, `1b. dispatchMany of ${n.toLocaleString('en-US')} jobs in one call (BullMQ addBulk)`, 'jobs/s', 0, '≥ 3×', (r) => r >= 3);
  }
  const b = N.batch.toLocaleString('en-US');
  add('batch', `1c. A ${b}-job batch (BullMQ: a flow of ${b} children): dispatch`, 'ms', 0, '≤ 1×', (r) => r <= 1, extra('dispatchMs'));
  add('batch', `1c. A ${b}-job batch: dispatch → then callback runs, concurrency ${N.batchConcurrency}`, 'ms', 0, '≤ 1×', (r) => r <= 1);
  add('batch', `1c. Per-job cost of a batch: batch / the same ${b} jobs without one`, '×', 2, 'ours ≤ 1.2', (_r, o) => o <= 1.2, extra('costRatio'));
  const b1 = N.batch1.toLocaleString('en-US');
  add('batch1', `1c. A ${b1}-job batch: dispatch → then callback runs, concurrency 1`, 'ms', 0, '≤ 1×', (r) => r <= 1);
  add('batch1', `1c. Per-job cost of a batch at concurrency 1: batch / the same ${b1} jobs without one`, '×', 2, 'ours ≤ 1.2', (_r, o) => o <= 1.2, extra('costRatio'));
  add('conc1', `3. Processing ${N.process.toLocaleString('en-US')} jobs, concurrency 1 (blockFor: 5)`, 'jobs/s', 0, '≥ 2.5×', (r) => r >= 2.5);
  add('conc1d', `3. Processing ${N.process.toLocaleString('en-US')} jobs, concurrency 1, the defaults (blockFor: null)`, 'jobs/s', 0, '≥ 2.5×', (r) => r >= 2.5);
  add('conc50', `4. Processing ${N.process.toLocaleString('en-US')} jobs, concurrency 50`, 'jobs/s', 0, '≥ 2×', (r) => r >= 2);
  add('conc200', `4. Processing ${N.process.toLocaleString('en-US')} jobs, concurrency 200`, 'jobs/s', 0, '≥ 2×', (r) => r >= 2);
  add('latency', `5. Enqueue → handler start, p50 (${N.latency.toLocaleString('en-US')} jobs)`, 'ms', 3, '≤ 1×', (r) => r <= 1, extra('p50'));
  add('latency', `5. Enqueue → handler start, idle worker, p99`, 'ms', 3, '≤ 0.7×', (r) => r <= 0.7, extra('p99'));
  add('wake', `5. Wake: push → handler start, worker blocked in Redis, p50 (${N.wake} jobs)`, 'ms', 3, '', () => true, extra('p50'));
  add('wake', '5. Wake: push → handler start, worker blocked in Redis, p99', 'ms', 3, '', () => true, extra('p99'));
  add('conc1', '6. Redis commands per processed job (concurrency 1)', 'commands', 2, '≤ 0.5×', (r) => r <= 0.5, extra('commandsPerJob'));
  add('conc1d', '6. Redis commands per processed job (concurrency 1, defaults)', 'commands', 2, '', () => true, extra('commandsPerJob'));
  add('conc50', '6. Redis commands per processed job (concurrency 50)', 'commands', 2, '', () => true, extra('commandsPerJob'));
  add('conc200', '6. Redis commands per processed job (concurrency 200)', 'commands', 2, '', () => true, extra('commandsPerJob'));
  add('conc1', '   Redis server CPU per processed job (concurrency 1)', 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
  add('conc1d', '   Redis server CPU per processed job (concurrency 1, defaults)', 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
  add('conc50', '   Redis server CPU per processed job (concurrency 50)', 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
  add('conc200', '   Redis server CPU per processed job (concurrency 200)', 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
  add('conc1', '   Node CPU per processed job, the whole process (concurrency 1)', 'µs', 1, 'ours ≤ 40', (_r, o) => o <= 40, extra('nodeCpuMicrosPerJob'));
  add('conc1d', '   Node CPU per processed job, the whole process (concurrency 1, defaults)', 'µs', 1, 'ours ≤ 40', (_r, o) => o <= 40, extra('nodeCpuMicrosPerJob'));
  add('conc50', '   Node CPU per processed job, the whole process (concurrency 50)', 'µs', 1, 'ours ≤ 8', (_r, o) => o <= 8, extra('nodeCpuMicrosPerJob'));
  add('conc200', '   Node CPU per processed job, the whole process (concurrency 200)', 'µs', 1, '', () => true, extra('nodeCpuMicrosPerJob'));
  const payloadTargets: Record<number, [string, (r: number) => boolean]> = { 1: ['≥ 1×', (r) => r >= 1], 10: ['≥ 1.5×', (r) => r >= 1.5], 50: ['≥ 1.2×', (r) => r >= 1.2] };
  for (const { kb, jobs } of N.payloads) {
    const key = `pay${kb}k`;
    const [target, meets] = payloadTargets[kb] ?? ['', () => true];
    add(key, `4b. Processing ${jobs.toLocaleString('en-US')} jobs of ${kb} KB, concurrency ${N.payloadConcurrency}`, 'jobs/s', 0, target, meets);
    add(key, `    Redis server CPU per job (${kb} KB)`, 'µs', 1, '', () => true, extra('redisCpuMicrosPerJob'));
    add(key, `    Bytes into Redis per job (${kb} KB)`, 'bytes', 0, '', () => true, extra('bytesInPerJob'));
    add(key, `    Bytes out of Redis per job (${kb} KB)`, 'bytes', 0, '', () => true, extra('bytesOutPerJob'));
  }
  add('memory', `7. Redis memory per waiting job (${N.memory.toLocaleString('en-US')} waiting)`, 'bytes', 0, '≤ 0.5×', (r) => r <= 0.5);
  for (const row of delayedRows) add(...row);
  for (const row of growthRows) add(...row);

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
    process.stdout.write(`${JSON.stringify({ machine, seconds, sizes: { ...N, ...GROWTH }, rows, samples: results }, null, 2)}\n`);
    return;
  }
  const header = ['Scenario', 'Unit', 'nestjs-queue', '(min–max)', 'BullMQ', '(min–max)', 'ours/BullMQ', 'Target', 'Met'];
  const spread = (range: [number, number], digits: number) => `${formatNumber(range[0], digits)}–${formatNumber(range[1], digits)}`;
  const body = rows.map((r) => [
    r.scenario,
    r.unit,
    formatNumber(r.ours, r.digits),
    spread(r.oursRange, r.digits),
    formatNumber(r.bull, r.digits),
    spread(r.bullRange, r.digits),
    `${formatNumber(r.ratio, 2)}×`,
    r.target,
    r.target === '' ? '' : r.met ? 'yes' : 'NO',
  ]);
  const ceiling = ceilingTable(results, ours, bull);
  const ran = growthNotes.filter(([key]) => results[key]).map(([, note]) => note);
  const capped = scenarios.filter((x) => x.maxRuns !== undefined && results[x.key] && x.maxRuns < options.runs).map((x) => `${x.key} ${x.maxRuns}`);
  const notes =
    (capped.length ? `\nRuns capped (long scenarios): ${capped.join(', ')}.\n` : '') + (ran.length ? `\n${ran.map((n) => `- ${n}`).join('\n')}\n` : '');
  process.stdout.write(
    `\nnestjs-queue vs BullMQ ${bullVersion()}: medians of ${options.runs} runs each (${options.runs * 2} for scenarios 1, 2 and the 1k/10k dispatchMany) after a warm-up, alternating.\n` +
      `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; Node ${machine.node}; Redis ${machine.redis} (no persistence); ${seconds.toFixed(0)} s; load average ${machine.loadAverage.join(' → ')}.\n\n` +
      `${table(header, body)}\n` +
      notes +
      (ceiling ? `\nRedis's own ceiling, the same server in the same run (redis-benchmark -c 1, EVALSHA of \`return 1\`), beside our figures:\n\n${ceiling}\n` : ''),
  );
}

/** The ceiling scenario's figures, and concurrency 1's jobs/s as a share of the one-client ceiling (issue #15: ≥ 60%). */
function ceilingTable(
  results: Record<string, Record<string, Sample[]>>,
  ours: (key: string) => number,
  bull: (key: string) => number,
): string | null {
  const samples = results.ceiling?.redis ?? [];
  if (samples.length === 0) return null;
  const values = (name: string) => samples.map((s) => s.extra?.[name] as number);
  const spread = (v: number[], digits: number) => `${formatNumber(Math.min(...v), digits)}–${formatNumber(Math.max(...v), digits)}`;
  const body: string[][] = [
    ['EVALSHA/s, one client, -P 1 (one round trip per call)', formatNumber(median(values('p1')), 0), spread(values('p1'), 0), '', ''],
    ['EVALSHA/s, one client, -P 50', formatNumber(median(values('p50')), 0), spread(values('p50'), 0), '', ''],
  ];
  const p1 = median(values('p1'));
  for (const [key, label] of [['conc1', 'concurrency 1, blockFor: 5'], ['conc1d', 'concurrency 1, defaults']] as const) {
    if (!results[key]) continue;
    const share = (ours(key) / p1) * 100;
    body.push([`nestjs-queue jobs/s, ${label}, as % of the -P 1 ceiling`, `${formatNumber(share, 0)}%`, '', '≥ 60%', share >= 60 ? 'yes' : 'NO']);
    body.push([`BullMQ jobs/s, ${label}, as % of the -P 1 ceiling`, `${formatNumber((bull(key) / p1) * 100, 0)}%`, '', '', '']);
  }
  return table(['Figure', 'Median', '(min–max)', 'Target', 'Met'], body);
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
