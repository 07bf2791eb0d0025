import { join } from 'node:path';
import { LuaScript } from '../redis/lua-script';
import type { RedisClient } from '../redis/redis-connections';
import { SupervisorKeys } from './supervisor-keys';

const RECORD = new LuaScript(join(__dirname, 'scripts', 'record-metrics.lua'));
const SNAPSHOT = new LuaScript(join(__dirname, 'scripts', 'snapshot.lua'));

/** Jobs run and their total runtime, since the last flush (a worker's) or the last snapshot (Redis's). */
export interface Measurement {
  count: number;
  totalMs: number;
}

/** Current metrics of one job name or one `connection:queue`: runs since the last snapshot, average ms. */
export interface Metrics {
  throughput: number;
  runtime: number;
}

/** One snapshot: throughput in its period, average runtime (ms), time (epoch seconds); queues also `wait` (s). */
export interface MetricsSnapshot {
  throughput: number;
  runtime: number;
  time: number;
  wait?: number;
}

/**
 * Horizon's RedisMetricsRepository: throughput and average runtime per job name and per queue (`connection:queue`),
 * added by workers in batches (one script call per flush), moved into trimmed snapshot sets by `snapshot()`.
 */
export class MetricsRepository {
  readonly keys: SupervisorKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new SupervisorKeys(prefix);
  }

  /** Adds measurements (one script call, whatever the number of jobs and queues). */
  async record(jobs: ReadonlyMap<string, Measurement>, queues: ReadonlyMap<string, Measurement>): Promise<void> {
    if (jobs.size === 0 && queues.size === 0) return;
    const keys = [this.keys.measuredJobs(), this.keys.measuredQueues()];
    const args: (string | number)[] = [jobs.size];
    for (const [name, m] of jobs) {
      keys.push(this.keys.jobMetrics(name));
      args.push(name, m.count, m.totalMs);
    }
    for (const [queue, m] of queues) {
      keys.push(this.keys.queueMetrics(queue));
      args.push(queue, m.count, m.totalMs);
    }
    await RECORD.run(this.redis, keys, args);
  }

  async measuredJobs(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.measuredJobs())).sort();
  }

  async measuredQueues(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.measuredQueues())).sort();
  }

  jobMetrics(name: string): Promise<Metrics> {
    return this.metrics(this.keys.jobMetrics(name));
  }

  queueMetrics(queue: string): Promise<Metrics> {
    return this.metrics(this.keys.queueMetrics(queue));
  }

  /**
   * Average runtime (ms) of a queue's jobs: since the last snapshot, else the last snapshot's, else 0. The auto
   * balancer multiplies it by the ready size (time to clear).
   */
  async runtimeForQueue(queue: string): Promise<number> {
    const current = await this.queueMetrics(queue);
    if (current.throughput > 0) return current.runtime;
    const last = await this.redis.zrange(this.keys.queueSnapshots(queue), '-1', '-1');
    return last.length > 0 ? (parseSnapshot(last[0])?.runtime ?? 0) : 0;
  }

  jobSnapshots(name: string): Promise<MetricsSnapshot[]> {
    return this.snapshots(this.keys.jobSnapshots(name));
  }

  queueSnapshots(queue: string): Promise<MetricsSnapshot[]> {
    return this.snapshots(this.keys.queueSnapshots(queue));
  }

  /** Epoch seconds of the last snapshot, or null before the first. */
  async lastSnapshotAt(): Promise<number | null> {
    const value = await this.redis.get(this.keys.lastSnapshotAt());
    return value === null ? null : Number(value);
  }

  /**
   * Takes a snapshot of every measured job and queue (one script call) and resets their counters.
   * `waitFor` gives each queue's current wait in seconds, stored with its snapshot.
   */
  async snapshot(keep: { job: number; queue: number }, waitFor: (queue: string) => Promise<number>, now = Date.now()): Promise<void> {
    const [jobs, queues] = await Promise.all([this.measuredJobs(), this.measuredQueues()]);
    const waits = await Promise.all(queues.map(waitFor));
    const keys = [this.keys.lastSnapshotAt()];
    for (const name of jobs) keys.push(this.keys.jobMetrics(name), this.keys.jobSnapshots(name));
    for (const queue of queues) keys.push(this.keys.queueMetrics(queue), this.keys.queueSnapshots(queue));
    await SNAPSHOT.run(this.redis, keys, [Math.floor(now / 1000), jobs.length, keep.job, keep.queue, ...waits.map((w) => Math.round(w))]);
  }

  private async metrics(key: string): Promise<Metrics> {
    const [throughput, runtime] = await this.redis.hmget(key, 'throughput', 'runtime');
    return { throughput: Number(throughput ?? 0), runtime: Number(runtime ?? 0) };
  }

  private async snapshots(key: string): Promise<MetricsSnapshot[]> {
    const raw = await this.redis.zrange(key, '0', '-1');
    return raw.map(parseSnapshot).filter((s): s is MetricsSnapshot => s !== null);
  }
}

function parseSnapshot(text: string): MetricsSnapshot | null {
  try {
    const value = JSON.parse(text) as Partial<MetricsSnapshot>;
    if (typeof value.throughput !== 'number' || typeof value.runtime !== 'number' || typeof value.time !== 'number') return null;
    return value as MetricsSnapshot;
  } catch {
    return null;
  }
}
