import type { BenchRedis } from './redis-server';
import type { Side } from './side';

/** One measured value of one run of one side. */
export interface Sample {
  value: number;
  extra?: Record<string, number | Record<string, number>>;
}

export interface Scenario {
  key: string;
  /** Runs per `--runs` (short scenarios take more runs: their single runs last ~0.1 s and are noisier). */
  runsFactor?: number;
  /** At most this many measured runs, whatever `--runs` says (the long scenarios). */
  maxRuns?: number;
  /** false: no warm-up run (a long scenario whose runs warm themselves up). */
  warmup?: boolean;
  /** Only with `--only` naming it: not part of the default run (the big ones). */
  optIn?: boolean;
  /** Measures Redis itself, not a side: runs once per run, its samples kept under `redis`. */
  shared?: boolean;
  /** Runs one sample on a side; Redis is empty when it starts. */
  run(side: Side, redis: BenchRedis): Promise<Sample>;
}

/** Picks a sample's figure for a row. */
export type Pick = (s: Sample) => number;

/** A row of the report, as bench/main.ts's `add(key, scenario, unit, digits, target, meets, pick)` takes it. */
export type RowSpec = [key: string, scenario: string, unit: string, digits: number, target: string, meets: (ratio: number, ours: number) => boolean, pick?: Pick];

export const extra = (name: string): Pick => (s) => s.extra?.[name] as number;
