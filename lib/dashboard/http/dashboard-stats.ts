import { Inject, Injectable } from '@nestjs/common';
import { HorizonState } from '../../supervisor/horizon-state';
import type { DashboardStats } from '../dashboard-api.types';
import { JOB_RECORDS_READER } from '../dashboard.constants';
import type { JobRecordsReader } from '../job-records.interface';

/**
 * Horizon's dashboard stats, from the masters' registry, the metrics and the job records: every figure is a
 * read of an index or a counter (no scan), so it answers as fast with a million jobs as with ten.
 */
@Injectable()
export class DashboardStatsReader {
  constructor(
    private readonly horizon: HorizonState,
    @Inject(JOB_RECORDS_READER) private readonly records: JobRecordsReader,
  ) {}

  async stats(now = Date.now()): Promise<DashboardStats> {
    const trim = this.horizon.config.horizon.trim;
    const [masters, workload, queues, lastSnapshotAt, failedJobs, completed, failedRecently, pending] = await Promise.all([
      this.horizon.masters(),
      this.horizon.workload(),
      this.queueMetrics(),
      this.horizon.metrics.lastSnapshotAt(),
      this.records.countRecentlyFailed(trim.recentFailed),
      this.records.countRecentlyCompleted(trim.recent),
      this.records.countRecentlyFailed(trim.recent),
      this.records.pending({ limit: 1 }),
    ]);
    const longest = [...workload].sort((a, b) => b.wait - a.wait || a.name.localeCompare(b.name))[0];
    const throughput = queues.reduce((sum, q) => sum + q.throughput, 0);
    // Per minute since the last snapshot (at least one minute); before the first, since the oldest master started.
    const since = lastSnapshotAt !== null ? lastSnapshotAt * 1000 : Math.min(now, ...masters.map((m) => m.startedAt));
    const minutes = Math.max((now - since) / 60_000, 1);
    return {
      jobsPerMinute: Math.round(throughput / minutes),
      recentJobs: pending.total + completed + failedRecently,
      failedJobs,
      status: HorizonState.statusOf(masters),
      processes: masters.reduce((sum, m) => sum + m.supervisors.reduce((s, sup) => s + Object.values(sup.processes).reduce((a, b) => a + b, 0), 0), 0),
      maxWaitTime: longest?.wait ?? 0,
      queueWithMaxWait: longest && longest.wait > 0 ? longest.name : null,
      wait: longest ? { [longest.name]: longest.wait } : {},
      queueWithMaxRuntime: top(queues, 'runtime'),
      queueWithMaxThroughput: top(queues, 'throughput'),
      pausedMasters: masters.filter((m) => m.status === 'paused').length,
      periods: { failedJobs: trim.recentFailed, recentJobs: trim.recent },
    };
  }

  private async queueMetrics(): Promise<{ name: string; throughput: number; runtime: number }[]> {
    const names = await this.horizon.measuredQueues();
    return Promise.all(names.map(async (name) => ({ name, ...(await this.horizon.queueMetrics(name)) })));
  }
}

/** The queue with the highest value, or null when none has any. */
function top(queues: { name: string; throughput: number; runtime: number }[], key: 'throughput' | 'runtime'): string | null {
  let best: { name: string; value: number } | null = null;
  for (const q of queues) if (q[key] > 0 && (best === null || q[key] > best.value)) best = { name: q.name, value: q[key] };
  return best?.name ?? null;
}
