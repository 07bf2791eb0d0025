import { cpus, loadavg } from 'node:os';
import { OursSide } from './ours';
import { BenchRedis, resetRedis, serverCpuSeconds, startRedis, usedMemory } from './redis-server';
import { formatNumber, median, table } from './stats';

/**
 * `npm run bench -- --records`: the cost of the dashboard's job records (`horizon.records`), nestjs-queue with
 * records on vs off on the same redis-server, runs alternating: sequential dispatch, processing at concurrency 1
 * and 50, Redis memory per waiting job and per finished job's record. Target (issue #13): processing at most 10%
 * slower with records on.
 */
const SIZES = {
  single: Number(process.env.BENCH_RECORDS_SINGLE ?? 2_000),
  process: Number(process.env.BENCH_RECORDS_JOBS ?? 10_000),
  memory: Number(process.env.BENCH_RECORDS_MEMORY ?? 20_000),
};

interface Scenario {
  key: string;
  label: string;
  unit: string;
  digits: number;
  /** Records on / off must be at least this (throughput) or at most (memory); undefined: no target. */
  target?: { min?: number; max?: number };
  run(side: OursSide, redis: BenchRedis): Promise<number>;
}

const scenarios: Scenario[] = [
  {
    key: 'single',
    label: `Sequential single dispatch, ${SIZES.single.toLocaleString('en-US')} jobs`,
    unit: 'jobs/s',
    digits: 0,
    async run(side) {
      return (SIZES.single / (await side.singleDispatch(SIZES.single))) * 1000;
    },
  },
  ...[1, 50].map(
    (concurrency): Scenario => ({
      key: `conc${concurrency}`,
      label: `Processing ${SIZES.process.toLocaleString('en-US')} jobs, concurrency ${concurrency}`,
      unit: 'jobs/s',
      digits: 0,
      target: { min: 0.9 },
      async run(side) {
        await side.fill(SIZES.process);
        return (SIZES.process / (await side.process(SIZES.process, concurrency))) * 1000;
      },
    }),
  ),
  ...[1, 50].map(
    (concurrency): Scenario => ({
      key: `cpu${concurrency}`,
      label: `Redis server CPU per processed job, concurrency ${concurrency}`,
      unit: 'µs',
      digits: 1,
      async run(side, redis) {
        await side.fill(SIZES.process);
        const before = await serverCpuSeconds(redis.admin);
        await side.process(SIZES.process, concurrency);
        return (((await serverCpuSeconds(redis.admin)) - before) * 1e6) / SIZES.process;
      },
    }),
  ),
  // The payload-size scenarios of the main bench (concurrency 50): what a finished job's record costs Redis as the
  // payload grows (the record keeps the payload as reserved).
  ...[
    { kb: 10, jobs: 10_000 },
    { kb: 50, jobs: 4_000 },
  ].flatMap(({ kb, jobs }): Scenario[] => [
    {
      key: `pay${kb}k`,
      label: `Processing ${jobs.toLocaleString('en-US')} jobs of ${kb} KB, concurrency 50`,
      unit: 'jobs/s',
      digits: 0,
      async run(side) {
        await side.fill(jobs, kb * 1024);
        return (jobs / (await side.process(jobs, 50))) * 1000;
      },
    },
    {
      key: `paycpu${kb}k`,
      label: `Redis server CPU per processed job of ${kb} KB, concurrency 50`,
      unit: 'µs',
      digits: 1,
      async run(side, redis) {
        await side.fill(jobs, kb * 1024);
        const before = await serverCpuSeconds(redis.admin);
        await side.process(jobs, 50);
        return (((await serverCpuSeconds(redis.admin)) - before) * 1e6) / jobs;
      },
    },
  ]),
  {
    key: 'memory',
    label: `Redis memory per waiting job (${SIZES.memory.toLocaleString('en-US')} waiting)`,
    unit: 'bytes',
    digits: 0,
    async run(side, redis) {
      const before = await usedMemory(redis.admin);
      await side.fill(SIZES.memory);
      return ((await usedMemory(redis.admin)) - before) / SIZES.memory;
    },
  },
  {
    key: 'records',
    label: `Redis memory per processed job, kept after it ended (${SIZES.process.toLocaleString('en-US')} processed)`,
    unit: 'bytes',
    digits: 0,
    async run(side, redis) {
      await side.fill(SIZES.process);
      const before = await usedMemory(redis.admin);
      await side.process(SIZES.process, 50);
      return ((await usedMemory(redis.admin)) - before) / SIZES.process;
    },
  },
];

const gc = (globalThis as { gc?: () => void }).gc;

export async function runRecordsBench(runs: number, json: boolean, only: Set<string> | null): Promise<void> {
  const started = Date.now();
  const load = [loadavg()[0]];
  const redis = await startRedis();
  const on = new OursSide(redis.url, { records: true, name: 'records on' });
  const off = new OursSide(redis.url, { records: false, name: 'records off' });
  const samples: Record<string, { on: number[]; off: number[] }> = {};
  const log = (m: string) => {
    if (!json) process.stderr.write(m);
  };
  try {
    await on.open();
    await off.open();
    for (const scenario of scenarios) {
      if (only && !only.has(scenario.key)) continue;
      samples[scenario.key] = { on: [], off: [] };
      log(`records ${scenario.key}: warm-up`);
      for (let run = 0; run <= runs; run++) {
        // Alternate which side goes first, so a drift of the machine weighs on both.
        const order = run % 2 ? [off, on] : [on, off];
        for (const side of order) {
          await resetRedis(redis.admin);
          gc?.();
          const value = await scenario.run(side, redis);
          if (run > 0) samples[scenario.key][side === on ? 'on' : 'off'].push(value);
        }
        log(run === 0 ? ', runs ' : `${run} `);
      }
      log('\n');
    }
  } finally {
    await on.close().catch(() => undefined);
    await off.close().catch(() => undefined);
    await redis.stop();
  }
  load.push(loadavg()[0]);
  const rows = scenarios
    .filter((s) => samples[s.key])
    .map((s) => {
      const o = median(samples[s.key].on);
      const f = median(samples[s.key].off);
      const ratio = o / f;
      const met = !s.target || ((s.target.min === undefined || ratio >= s.target.min) && (s.target.max === undefined || ratio <= s.target.max));
      return { key: s.key, scenario: s.label, unit: s.unit, on: o, off: f, ratio, target: s.target?.min !== undefined ? `≥ ${s.target.min}×` : '', met, digits: s.digits };
    });
  const seconds = (Date.now() - started) / 1000;
  if (json) {
    process.stdout.write(`${JSON.stringify({ runs, seconds, sizes: SIZES, loadAverage: load, rows, samples }, null, 2)}\n`);
    return;
  }
  const body = rows.map((r) => [r.scenario, r.unit, formatNumber(r.on, r.digits), formatNumber(r.off, r.digits), `${formatNumber(r.ratio, 2)}×`, r.target, r.target ? (r.met ? 'yes' : 'NO') : '']);
  process.stdout.write(
    `\nJob records on vs off (horizon.records): medians of ${runs} runs after a warm-up, alternating. ` +
      `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; Redis ${redis.version}; ${seconds.toFixed(0)} s; load average ${load.map((l) => l.toFixed(2)).join(' → ')}.\n\n` +
      `${table(['Scenario', 'Unit', 'records on', 'records off', 'on/off', 'Target', 'Met'], body)}\n`,
  );
}
