import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatabaseOptions } from '../lib';
import { DatabaseSide, dbCounter, GraphileSide, IdleWorker, OursDatabaseSide, PgBossSide } from './database-sides';
import { sleep } from './side';
import { formatNumber, median, percentile, table } from './stats';

/** `npm run bench -- --driver database`: the database queue driver against pg-boss and graphile-worker, and on SQLite. */
const N = { single: 1_000, concurrent: 5_000, process: 5_000, sqliteProcess: 10_000, sqliteSingle: 2_000 };

/**
 * Latency samples per side and run. The sides that wake on NOTIFY (ours, graphile-worker) have their idle workers
 * up at once and are sampled in turn, in blocks of LATENCY_BLOCK jobs (the order swapped every block), so a burst of
 * load on the machine falls on both alike while the work a side's worker does after a job (its ack, its commits)
 * still lands on that side's own next sample; 2,000 samples each put the p99 on the 20 slowest. pg-boss starts a
 * job only at its 0.5 s poll: a series of its own, 100 samples. The warm-up run takes fewer.
 */
const LATENCY = { woken: 2_000, polled: 100, woken_warmUp: 200, polled_warmUp: 10 };
const LATENCY_BLOCK = 50;
/** Pause (ms) after each latency sample, so the worker has finished its job and is idle again at the next send. */
const LATENCY_GAP_MS = 5;

/** The local PostgreSQL the bench makes its databases on (TEST_PG_URL as the tests, or BENCH_PG_URL). */
const PG_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Measure {
  key: string;
  label: string;
  unit: string;
  digits: number;
  /** Higher is better (jobs/s) or lower (ms). */
  higher: boolean;
  run(side: DatabaseSide): Promise<number | { p50: number; p99: number }>;
}

const perSecond = (n: number, ms: number) => (n / ms) * 1000;

const pgMeasures: Measure[] = [
  { key: 'single', label: `Sequential single dispatch, ${N.single.toLocaleString('en-US')} jobs`, unit: 'jobs/s', digits: 0, higher: true, run: async (s) => perSecond(N.single, await s.singleDispatch(N.single)) },
  { key: 'concurrent', label: `Concurrent dispatch, ${N.concurrent.toLocaleString('en-US')} jobs in flight`, unit: 'jobs/s', digits: 0, higher: true, run: async (s) => perSecond(N.concurrent, await s.concurrentDispatch(N.concurrent)) },
  ...[1, 50].map(
    (c): Measure => ({
      key: `conc${c}`,
      label: `Processing ${N.process.toLocaleString('en-US')} jobs (pg-boss: 20 × concurrency), concurrency ${c}`,
      unit: 'jobs/s',
      digits: 0,
      higher: true,
      run: async (s) => {
        const n = s.processCount(N.process, c);
        await s.fill(n);
        return perSecond(n, await s.process(n, c));
      },
    }),
  ),
];

/** The latency scenario (measured by measureLatency, not per side). */
const LATENCY_MEASURE = {
  key: 'latency',
  label: `Enqueue → handler start, idle worker (${LATENCY.woken.toLocaleString('en-US')} jobs a run; pg-boss ${LATENCY.polled})`,
  unit: 'ms',
  digits: 2,
};

const sqliteMeasures: Measure[] = [
  { key: 'sqlite-single', label: `SQLite: sequential single dispatch, ${N.sqliteSingle.toLocaleString('en-US')} jobs`, unit: 'jobs/s', digits: 0, higher: true, run: async (s) => perSecond(N.sqliteSingle, await s.singleDispatch(N.sqliteSingle)) },
  ...[1, 10].map(
    (c): Measure => ({
      key: `sqlite-conc${c}`,
      label: `SQLite: processing ${N.sqliteProcess.toLocaleString('en-US')} jobs, concurrency ${c}`,
      unit: 'jobs/s',
      digits: 0,
      higher: true,
      run: async (s) => {
        await s.fill(N.sqliteProcess);
        return perSecond(N.sqliteProcess, await s.process(N.sqliteProcess, c));
      },
    }),
  ),
];

/** A database of its own for one side, dropped after. */
async function createPgDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const name = `nq_bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new Client({ connectionString: PG_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

type Result = number | { p50: number; p99: number };

/** One latency sample: ms from the send to the handler's start, then the pause that lets the worker go idle. */
async function sample(worker: IdleWorker, i: number): Promise<number> {
  const started = dbCounter.next();
  const t0 = performance.now();
  await worker.send(i);
  const ms = (await started) - t0;
  await sleep(LATENCY_GAP_MS);
  return ms;
}

/** `n` samples of each side's idle worker, the sides in turn, LATENCY_BLOCK jobs at a time (the order swapped every block). */
async function interleaved(sides: DatabaseSide[], n: number): Promise<number[][]> {
  const workers: IdleWorker[] = [];
  try {
    for (const side of sides) workers.push(await side.idleWorker());
    const out = sides.map((): number[] => []);
    for (let block = 0; block * LATENCY_BLOCK < n; block++) {
      for (let k = 0; k < sides.length; k++) {
        const s = block % 2 === 0 ? k : sides.length - 1 - k;
        for (let i = block * LATENCY_BLOCK; i < Math.min(n, (block + 1) * LATENCY_BLOCK); i++) out[s].push(await sample(workers[s], i));
      }
    }
    return out;
  } finally {
    for (const worker of workers) await worker.stop();
  }
}

/** The latency scenario: a warm-up run, then `runs` runs; each run's p50 and p99 per side. */
async function measureLatency(sides: DatabaseSide[], runs: number, log: (m: string) => void): Promise<Record<string, Result[]>> {
  const results: Record<string, Result[]> = {};
  for (const side of sides) results[side.name] = [];
  const woken = sides.filter((s) => !s.polls);
  const polled = sides.filter((s) => s.polls);
  dbCounter.expect(Infinity);
  log('latency: warm-up');
  for (let run = 0; run <= runs; run++) {
    (globalThis as { gc?: () => void }).gc?.();
    const series = await interleaved(woken, run === 0 ? LATENCY.woken_warmUp : LATENCY.woken);
    for (const side of polled) series.push((await interleaved([side], run === 0 ? LATENCY.polled_warmUp : LATENCY.polled))[0]);
    if (run > 0) [...woken, ...polled].forEach((side, i) => results[side.name].push({ p50: percentile(series[i], 50), p99: percentile(series[i], 99) }));
    log(run === 0 ? ', runs ' : `${run} `);
  }
  log('\n');
  return results;
}

async function measureAll(
  sides: DatabaseSide[],
  measures: Measure[],
  runs: number,
  log: (m: string) => void,
  latency = false,
): Promise<Record<string, Record<string, Result[]>>> {
  const results: Record<string, Record<string, Result[]>> = {};
  for (const side of sides) await side.open();
  try {
    for (const m of measures) {
      results[m.key] = {};
      for (const side of sides) results[m.key][side.name] = [];
      log(`${m.key}: warm-up`);
      for (let run = 0; run <= runs; run++) {
        for (const side of sides) {
          (globalThis as { gc?: () => void }).gc?.();
          const value = await m.run(side);
          if (run > 0) results[m.key][side.name].push(value);
        }
        log(run === 0 ? ', runs ' : `${run} `);
      }
      log('\n');
    }
    if (latency) results[LATENCY_MEASURE.key] = await measureLatency(sides, runs, log);
  } finally {
    for (const side of sides) await side.close().catch(() => undefined);
  }
  return results;
}

export async function runDatabaseBench(runs: number, json: boolean, only: ReadonlySet<string> | null = null): Promise<void> {
  const log = (message: string) => {
    if (!json) process.stderr.write(message);
  };
  const started = Date.now();
  const load = [loadavg()[0]];
  const made = await Promise.all(['ours', 'pgboss', 'graphile'].map((label) => createPgDatabase(label)));
  const sqliteDir = mkdtempSync(join(tmpdir(), 'nq-bench-sqlite-'));
  let pg: Record<string, Record<string, Result[]>> = {};
  let sqlite: Record<string, Record<string, Result[]>> = {};
  try {
    const pgOptions: DatabaseOptions = { client: 'pg', connection: made[0].url, pool: { min: 2, max: 10 } };
    const chosen = (measures: Measure[]) => measures.filter((m) => !only || only.has(m.key));
    const latency = !only || only.has(LATENCY_MEASURE.key);
    if (chosen(pgMeasures).length > 0 || latency) {
      const sides = [new OursDatabaseSide('nestjs-queue', pgOptions), new PgBossSide(made[1].url), new GraphileSide(made[2].url)];
      pg = await measureAll(sides, chosen(pgMeasures), runs, log, latency);
    }
    const sqliteOptions: DatabaseOptions = { client: 'better-sqlite3', connection: { filename: join(sqliteDir, 'bench.sqlite') } };
    if (chosen(sqliteMeasures).length > 0) sqlite = await measureAll([new OursDatabaseSide('nestjs-queue', sqliteOptions)], chosen(sqliteMeasures), runs, log);
  } finally {
    await Promise.all(made.map((d) => d.drop().catch(() => undefined)));
    rmSync(sqliteDir, { recursive: true, force: true });
  }
  load.push(loadavg()[0]);
  const seconds = (Date.now() - started) / 1000;
  const names = ['nestjs-queue', 'pg-boss', 'graphile-worker'];
  /** The median of the runs, and their spread (lowest–highest) when there are several. */
  const cell = (values: Result[] | undefined, pick: (r: Result) => number, digits: number) => {
    if (!values) return '';
    const v = values.map(pick);
    const spread = v.length > 1 ? ` (${formatNumber(Math.min(...v), digits)}–${formatNumber(Math.max(...v), digits)})` : '';
    return `${formatNumber(median(v), digits)}${spread}`;
  };
  const rows: string[][] = [];
  for (const m of [...pgMeasures.slice(0, 4), LATENCY_MEASURE, ...pgMeasures.slice(4), ...sqliteMeasures]) {
    const byName = m.key.startsWith('sqlite') ? sqlite[m.key] : pg[m.key];
    if (!byName) continue;
    if (m.key === LATENCY_MEASURE.key) {
      for (const [p, pick] of [['p50', (r: Result) => (r as { p50: number }).p50], ['p99', (r: Result) => (r as { p99: number }).p99]] as const) {
        rows.push([`${m.label}, ${p}`, m.unit, ...names.map((n) => cell(byName[n], pick, m.digits))]);
      }
    } else {
      rows.push([m.label, m.unit, ...names.map((n) => cell(byName[n], (r) => r as number, m.digits))]);
    }
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ seconds, sizes: { ...N, latency: LATENCY }, postgres: pg, sqlite }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `\nDatabase driver (PostgreSQL ${PG_URL.replace(/\/\/[^@]*@/, '//')}, each side in a database of its own; SQLite on a file), medians of ${runs} runs after a warm-up (lowest–highest run in brackets).\n` +
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}; Node ${process.version}; ${seconds.toFixed(0)} s; load average ${load.map((l) => l.toFixed(2)).join(' → ')}.\n\n` +
      `${table(['Scenario', 'Unit', ...names], rows)}\n` +
      latencyByRun(pg[LATENCY_MEASURE.key], names),
  );
}

/** The latency runs one by one (each run's sides measured side by side), p50 / p99 in ms. */
function latencyByRun(byName: Record<string, Result[]> | undefined, names: string[]): string {
  if (!byName) return '';
  const run = (r: Result) => `${formatNumber((r as { p50: number }).p50, 2)} / ${formatNumber((r as { p99: number }).p99, 2)}`;
  const lines = names.filter((n) => byName[n]).map((n) => `  ${n}: ${byName[n].map(run).join(', ')}`);
  return `\nLatency p50 / p99 (ms) run by run:\n${lines.join('\n')}\n`;
}
