/**
 * `npm run bench:telemetry -- [--runs N] [--jobs N] [--jobs50 N] [--profile]`: what OpenTelemetry costs
 * nestjs-queue. Three modes, each in a fresh process per sample (the API cannot be unloaded), interleaved run by run
 * so machine load hits all alike:
 * - `off`: `@opentelemetry/api` cannot be loaded (as when the optional peer is not installed);
 * - `api`: the API installed, no SDK registered (the library must cost nothing measurable: target < 2 %);
 * - `sdk`: the trace SDK (batch span processor) and the metrics SDK registered, exporting nowhere.
 * Per sample: sequential single dispatch (jobs/s) and processing at concurrency 1 (`--jobs`, 10,000) and 50
 * (`--jobs50`, 50,000: at ~20,000 jobs/s a shorter sample is mostly noise) in jobs/s, after a warm-up of both.
 * A mode's Δ is the median over runs of its ratio to `off` in the same run (pairs share the machine's state).
 * `--profile` instead samples each process with V8's profiler over the same work and reports the share of its
 * busy CPU spent in nestjs-queue's telemetry code and `@opentelemetry/*`: a figure machine load hardly moves.
 */
import { fork } from 'node:child_process';
import { resetRedis, startRedis } from './redis-server';
import { median, table, formatNumber } from './stats';
import { cpuShare, CpuShare } from './cpu-share';

type Mode = 'off' | 'api' | 'sdk';
const MODES: Mode[] = ['off', 'api', 'sdk'];
const METRICS = ['single', 'conc1', 'conc50'] as const;
/** Per metric, jobs/s and the CPU this process spent per job (µs: user + system), which machine load skews less. */
type Result = Record<(typeof METRICS)[number] | `${(typeof METRICS)[number]}Cpu`, number> & { share?: CpuShare; handled?: number };

/** The code whose CPU the profile attributes to telemetry: the library's own and the OpenTelemetry packages'. */
const TELEMETRY_CODE = /\/lib\/telemetry\/|\/node_modules\/@opentelemetry\//;

interface Sizes {
  jobs: number;
  jobs50: number;
  profile: boolean;
}

function blockOtel(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const resolver = require('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = resolver._resolveFilename;
  resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    if (request.startsWith('@opentelemetry/')) throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    return resolve.call(this, request, ...rest);
  };
}

async function registerSdk(): Promise<void> {
  const api = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { TracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  const { ExportResultCode } = await import('@opentelemetry/core');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = { export: (_s: unknown, done: (r: { code: number }) => void) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };
  api.trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] }));
  class NeverRead extends MetricReader {
    protected async onShutdown(): Promise<void> {}
    protected async onForceFlush(): Promise<void> {}
  }
  api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new NeverRead()] }));
}

/**
 * The hooks alone, in this (child) process: ns per `QueueTelemetry.send` and `.attempt` call around a body that does
 * nothing, less the same body called directly. What the library adds to each dispatch and each attempt.
 */
async function micro(mode: Mode): Promise<void> {
  if (mode === 'off') blockOtel();
  if (mode === 'sdk') await registerSdk();
  const { QueueTelemetry } = await import('../lib/telemetry/queue-telemetry');
  const sizes = async () => ({ ready: 0, delayed: 0, reserved: 0 });
  const manager = { settings: () => ({ driver: 'redis' }), connection: () => ({ sizes }) } as unknown as ConstructorParameters<typeof QueueTelemetry>[0];
  const telemetry = new QueueTelemetry(manager);
  const job = {
    id: '01890a5d-ac96-774b-bcce-b302099a8057', name: 'noop', connection: 'redis', queue: 'bench', attempts: 1, maxTries: 1,
    payload: { v: 1, attempts: 1, uuid: '01890a5d-ac96-774b-bcce-b302099a8057', job: 'noop', data: null },
    outcome: { kind: 'none' }, hasFailed: () => false,
  };
  const body = async () => 'done' as const;
  const n = mode === 'sdk' ? 50_000 : 1_000_000;
  const time = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < n / 10; i++) await fn();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const direct = await time(body);
  const send = await time(() => telemetry.send([{}], async (trace) => trace?.traceparent));
  const attempt = await time(() => telemetry.attempt(job, () => 0, body));
  process.send?.({ send: send - direct, attempt: attempt - direct });
}

/** One sample in this (child) process: warm up, then measure each metric on an emptied Redis. */
async function child(mode: Mode, url: string, sizes: Sizes): Promise<void> {
  if (mode === 'off') blockOtel();
  if (mode === 'sdk') await registerSdk();
  const { OursSide } = await import('./ours');
  const Redis = (await import('ioredis')).default;
  const admin = new Redis(url);
  const side = new OursSide(url);
  await side.open();
  await side.fill(1000);
  await side.process(1000, 1);
  await side.fill(5000);
  await side.process(5000, 50);
  await side.singleDispatch(500);
  const result: Partial<Result> = {};
  const measure = async (key: (typeof METRICS)[number], n: number, run: () => Promise<number>) => {
    const cpu = process.cpuUsage();
    const ms = await run();
    const used = process.cpuUsage(cpu);
    result[key] = (n / ms) * 1000;
    result[`${key}Cpu`] = (used.user + used.system) / n;
  };
  const single = Math.min(sizes.jobs, 2000);
  const work = async () => {
    await resetRedis(admin);
    await measure('single', single, () => side.singleDispatch(single));
    for (const [concurrency, jobs] of [[1, sizes.jobs], [50, sizes.jobs50]]) {
      await resetRedis(admin);
      await side.fill(jobs);
      await measure(concurrency === 1 ? 'conc1' : 'conc50', jobs, () => side.process(jobs, concurrency));
    }
  };
  if (sizes.profile) {
    result.share = (await cpuShare(TELEMETRY_CODE, work)).share;
    result.handled = single + sizes.jobs + sizes.jobs50;
  } else {
    await work();
  }
  await side.close();
  admin.disconnect();
  process.send?.(result);
}

function sample(mode: Mode, url: string, sizes: Sizes): Promise<Result> {
  return new Promise((resolve, reject) => {
    const args = ['--child', mode, url, String(sizes.jobs), String(sizes.jobs50), sizes.profile ? 'profile' : ''];
    const p = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: Result | null = null;
    p.on('message', (m) => (result = m as Result));
    p.on('exit', (code) => (result ? resolve(result) : reject(new Error(`the ${mode} sample exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1] as Mode, argv[2], { jobs: Number(argv[3]), jobs50: Number(argv[4]), profile: argv[5] === 'profile' });
  if (argv[0] === '--micro-child') return micro(argv[1] as Mode);
  if (argv.includes('--micro')) {
    for (const mode of MODES) {
      const r = await new Promise<{ send: number; attempt: number }>((resolve, reject) => {
        const p = fork(__filename, ['--micro-child', mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        p.on('message', (m) => resolve(m as { send: number; attempt: number }));
        p.on('exit', (code) => reject(new Error(`the ${mode} micro sample exited with ${code}`)));
      });
      process.stdout.write(`${mode}: +${formatNumber(r.send, 0)} ns per dispatch call, +${formatNumber(r.attempt, 0)} ns per attempt\n`);
    }
    return;
  }
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const runs = arg('--runs', 5);
  const sizes: Sizes = { jobs: arg('--jobs', 10000), jobs50: arg('--jobs50', 50000), profile: argv.includes('--profile') };
  const redis = await startRedis();
  const samples: Record<Mode, Result[]> = { off: [], api: [], sdk: [] };
  try {
    for (let run = 1; run <= runs; run++) {
      // Rotate the order so no mode always runs first (or last) in a round.
      const order = MODES.map((_, i) => MODES[(i + run) % MODES.length]);
      for (const mode of order) samples[mode].push(await sample(mode, redis.url, sizes));
      process.stderr.write(`run ${run}/${runs}\n`);
    }
  } finally {
    await redis.stop();
  }
  const { jobs, jobs50 } = sizes;
  const sizeNote = `${jobs} jobs at concurrency 1, ${jobs50} at 50, ${Math.min(jobs, 2000)} single dispatches per sample`;
  if (sizes.profile) {
    process.stdout.write(`CPU in telemetry code (lib/telemetry, @opentelemetry/*), V8 sampling profile, median of ${runs} runs (${sizeNote})\n\n`);
    process.stdout.write(`${profileTable(samples)}\n\n`);
    for (const mode of MODES) {
      const top = samples[mode][0].share?.top ?? [];
      if (top.length) process.stdout.write(`${mode}, first run, most self time: ${top.map(([f, ms]) => `${f} ${formatNumber(ms, 1)} ms`).join('; ')}\n`);
    }
  } else {
    const rows = (suffix: '' | 'Cpu', digits: number) => METRICS.map((metric) => {
      const key = `${metric}${suffix}` as 'single';
      const med = (mode: Mode) => median(samples[mode].map((s) => s[key]));
      // Paired: each run's ratio to the off sample of the same run, then the median of those.
      const pct = (mode: Mode) => {
        const d = median(samples[mode].map((s, i) => s[key] / samples.off[i][key] - 1)) * 100;
        return `${d >= 0 ? '+' : ''}${formatNumber(d, 1)} %`;
      };
      return [metric, formatNumber(med('off'), digits), formatNumber(med('api'), digits), pct('api'), formatNumber(med('sdk'), digits), pct('sdk')];
    });
    const header = ['scenario', 'off', 'API only', 'Δ API', 'SDK (no-op export)', 'Δ SDK'];
    process.stdout.write(`OpenTelemetry cost, median of ${runs} runs (${sizeNote}); Δ: median of each run's ratio to off\n\n`);
    process.stdout.write(`Throughput, jobs/s\n\n${table(header, rows('', 0))}\n\n`);
    process.stdout.write(`CPU of the app process per job, µs (user + system)\n\n${table(header, rows('Cpu', 1))}\n`);
  }
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(samples)}\n`);
}

function profileTable(samples: Record<Mode, Result[]>): string {
  const rows = MODES.map((mode) => {
    const shares = samples[mode].map((s) => s.share as CpuShare);
    const handled = samples[mode][0].handled ?? NaN;
    const busy = median(shares.map((s) => s.busyMs));
    const matched = median(shares.map((s) => s.matchedMs));
    const pct = median(shares.map((s) => (s.matchedMs / s.busyMs) * 100));
    return [mode, formatNumber(busy, 0), formatNumber(matched, 1), `${formatNumber(pct, 2)} %`, formatNumber((matched * 1e6) / handled, 0)];
  });
  return table(['mode', 'busy CPU, ms', 'in telemetry, ms', 'share', 'ns per job'], rows);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
