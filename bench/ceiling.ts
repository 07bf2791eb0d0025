import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchRedis } from './redis-server';
import type { Sample, Scenario } from './scenario';

const run = promisify(execFile);

/** Requests per redis-benchmark call, per pipeline depth: each call takes ~1–3 s on this machine. */
const REQUESTS = { 1: 40_000, 50: 1_000_000 } as const;

/**
 * Redis's own ceiling on this machine, in this run, against the bench's own server: `redis-benchmark` sending
 * EVALSHA of a script that returns at once, from one client, without pipelining (`-P 1`: one round trip per call, the
 * bound of a worker at concurrency 1) and 50 deep (`-P 50`: the server's own bound).
 */
async function evalshaPerSecond(redis: BenchRedis, pipeline: 1 | 50): Promise<number> {
  const sha = String(await redis.admin.script('LOAD', 'return 1'));
  const { stdout } = await run('redis-benchmark', [
    '-h', redis.host, '-p', String(redis.port), '-c', '1', '-P', String(pipeline), '-n', String(REQUESTS[pipeline]), '--csv', 'EVALSHA', sha, '0',
  ]);
  // --csv: a header line, then "EVALSHA ...","<requests per second>",...
  const line = stdout.trim().split('\n').pop() ?? '';
  const rps = Number(/^"[^"]*","([\d.]+)"/.exec(line)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`could not read redis-benchmark's output: ${stdout}`);
  return rps;
}

export const ceilingScenario: Scenario = {
  key: 'ceiling',
  shared: true,
  warmup: false,
  async run(_side, redis): Promise<Sample> {
    const p1 = await evalshaPerSecond(redis, 1);
    const p50 = await evalshaPerSecond(redis, 50);
    return { value: p1, extra: { p1, p50 } };
  },
};
