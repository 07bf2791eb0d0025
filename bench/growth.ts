import type { RowSpec, Scenario } from './scenario';
import { extra } from './scenario';
import { percentile } from './stats';

/**
 * The scenarios issue #15 adds beside the first table: four priority queues, fail-once-then-succeed, sustained load
 * and backlog growth. Sizes are fixed here; each scenario's runs are bounded (see `maxRuns`, `optIn`).
 */
export const GROWTH = {
  priority: { n: 10_000, concurrency: 50 },
  retry: { n: 5_000, concurrency: 50 },
  sustained: { rate: 2_000, seconds: 10, concurrency: 50 },
  /** Pop cost: `processed` jobs at concurrency 1 with at most `small` waiting (run `small` at a time), then with `large` waiting. */
  backlog: { processed: 5_000, small: 1_000, large: 500_000 },
  /** `ready` jobs processed with and without `delayed` jobs (due in an hour) beside them. */
  beside: { ready: 10_000, delayed: 100_000, concurrency: 50 },
  /** Abandoned reservations taken back and run. */
  expired: { n: 10_000, concurrency: 50 },
};

/** Present when the bench runs with --expose-gc (npm run bench does). */
const gc = (globalThis as { gc?: () => void }).gc;

const perSecond = (n: number, ms: number) => (n / ms) * 1000;

export const growthScenarios: Scenario[] = [
  {
    key: 'priority',
    async run(side) {
      const { n, concurrency } = GROWTH.priority;
      await side.fillPriorities(n);
      return { value: perSecond(n, await side.processPriorities(n, concurrency)) };
    },
  },
  {
    key: 'retry',
    async run(side) {
      const { n, concurrency } = GROWTH.retry;
      await side.fillFlaky(n);
      return { value: perSecond(n, await side.processFlaky(n, concurrency)) };
    },
  },
  {
    // 10 s per side and run: two measured runs at most, and no warm-up (the first second warms up).
    key: 'sustained',
    maxRuns: 2,
    warmup: false,
    async run(side) {
      const { rate, seconds, concurrency } = GROWTH.sustained;
      const { latencies, offered } = await side.sustained(rate, seconds, concurrency);
      return { value: percentile(latencies, 50), extra: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), offered } };
    },
  },
  {
    key: 'backlog',
    optIn: true,
    maxRuns: 3,
    warmup: false,
    async run(side) {
      const { processed, small, large } = GROWTH.backlog;
      // A warm-up of the worker's code path first (untimed, 10k jobs), then the same jobs with few and with many waiting.
      await side.fill(10_000);
      await side.process(10_000, 1);
      // Few waiting: `small` jobs queued and run, over again until `processed` have run (the queue never holds more).
      let few = 0;
      for (let done = 0; done < processed; done += small) {
        await side.fill(small);
        few += await side.process(small, 1, { partial: true });
      }
      await side.fill(large);
      // The fill's garbage is collected now, not inside the timed run.
      gc?.();
      const many = await side.process(processed, 1, { partial: true });
      const us = (ms: number) => (ms * 1000) / processed;
      return { value: us(many), extra: { fewMicros: us(few), manyMicros: us(many), growth: many / few } };
    },
  },
  {
    key: 'beside',
    optIn: true,
    maxRuns: 3,
    async run(side) {
      const { ready, delayed, concurrency } = GROWTH.beside;
      await side.fill(ready);
      const alone = perSecond(ready, await side.process(ready, concurrency));
      await side.fillDelayed(delayed, 3600);
      await side.fill(ready);
      const withDelayed = perSecond(ready, await side.process(ready, concurrency));
      return { value: withDelayed, extra: { alone, withDelayed, ratio: withDelayed / alone } };
    },
  },
  {
    key: 'expired',
    optIn: true,
    maxRuns: 3,
    async run(side) {
      const { n, concurrency } = GROWTH.expired;
      await side.abandon(n);
      return { value: await side.recover(n, concurrency) };
    },
  },
];

const fmt = (n: number) => n.toLocaleString('en-US');
const p = GROWTH.priority;
const r = GROWTH.retry;
const s = GROWTH.sustained;
const b = GROWTH.backlog;
const d = GROWTH.beside;
const e = GROWTH.expired;

/** Rows of the report; the target of each: not slower than BullMQ. */
export const growthRows: RowSpec[] = [
  [
    'priority',
    `10. Four priority queues: ${fmt(p.n)} jobs, one worker, concurrency ${p.concurrency} (BullMQ: priorities 1–4 in one queue, see below)`,
    'jobs/s', 0, '≥ 1×', (ratio) => ratio >= 1,
  ],
  ['retry', `11. ${fmt(r.n)} jobs that throw on their first attempt and succeed on the second (backoff 0), concurrency ${r.concurrency}`, 'jobs/s', 0, '≥ 1×', (ratio) => ratio >= 1],
  ['sustained', `12. Sustained load: ${fmt(s.rate)} jobs/s offered for ${s.seconds} s, concurrency ${s.concurrency} (blockFor: 5): enqueue → handler p50`, 'ms', 3, '≤ 1×', (ratio) => ratio <= 1, extra('p50')],
  ['sustained', '    ... p99', 'ms', 3, '≤ 1×', (ratio) => ratio <= 1, extra('p99')],
  ['sustained', '    ... max', 'ms', 1, '', () => true, extra('max')],
  ['sustained', '    ... rate actually offered', 'jobs/s', 0, '', () => true, extra('offered')],
  ['backlog', `13. Backlog: cost per job over ${fmt(b.processed)} jobs, concurrency 1, ≤ ${fmt(b.small)} waiting`, 'µs', 1, '≤ 1×', (ratio) => ratio <= 1, extra('fewMicros')],
  ['backlog', `    ... ${fmt(b.large)} waiting`, 'µs', 1, '≤ 1×', (ratio) => ratio <= 1, extra('manyMicros')],
  ['backlog', `    ... growth (${fmt(b.large)} / ${fmt(b.small)} waiting)`, '×', 2, 'ours ≤ 1.2', (_r, ours) => ours <= 1.2, extra('growth')],
  ['beside', `14. ${fmt(d.ready)} ready jobs, concurrency ${d.concurrency}, alone`, 'jobs/s', 0, '≥ 1×', (ratio) => ratio >= 1, extra('alone')],
  ['beside', `    ... with ${fmt(d.delayed)} delayed jobs beside them`, 'jobs/s', 0, '≥ 1×', (ratio) => ratio >= 1, extra('withDelayed')],
  [
    'expired',
    `15. ${fmt(e.n)} expired reservations taken back and run, concurrency ${e.concurrency} (see below): worker start → last handled`,
    'ms', 0, '≤ 1×', (ratio) => ratio <= 1,
  ],
];

/** Printed under the table when the scenario ran: what each side ran, and why that is the fair match. */
export const growthNotes: [key: string, note: string][] = [
  [
    'priority',
    '10: ours, one worker on the queues high,default,low,lowest, served in strict order; BullMQ, one worker on one queue whose jobs ' +
      'carry priorities 1–4. That is the fair match: both are one worker that always takes the highest priority first. Four BullMQ ' +
      'queues would need four workers (a BullMQ worker serves one queue) and keep no order between them.',
  ],
  [
    'expired',
    '15: each side takes the jobs as a worker that died would (ours: reserved on a connection with retryAfter 1 s; BullMQ: active ' +
      'with 1 s locks, taken by getNextJob and never extended), waits until they lapsed, then starts a fresh worker (ours: the pop ' +
      'takes lapsed reservations back; BullMQ: its stalled-job check, stalledInterval 1 s instead of the default 30 s).',
  ],
];
