import { Get, Param, UseGuards } from '@nestjs/common';
import { HorizonState } from '../../supervisor/horizon-state';
import type { MetricsSnapshot } from '../../supervisor/metrics-repository';
import type { MeasuredResponse, MetricSnapshotsResponse } from '../dashboard-api.types';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';

/** `GET metrics/jobs`, `metrics/jobs/:name`, `metrics/queues`, `metrics/queues/:name` (Horizon's Job and Queue metrics controllers). */
@UseGuards(DashboardAccessGuard)
export class MetricsController {
  constructor(private readonly horizon: HorizonState) {}

  @Get('metrics/jobs')
  jobs(): Promise<MeasuredResponse> {
    return this.horizon.measuredJobs();
  }

  @Get('metrics/jobs/:name')
  async job(@Param('name') name: string): Promise<MetricSnapshotsResponse> {
    return (await this.horizon.jobSnapshots(name)).map(snapshotView);
  }

  @Get('metrics/queues')
  queues(): Promise<MeasuredResponse> {
    return this.horizon.measuredQueues();
  }

  @Get('metrics/queues/:name')
  async queue(@Param('name') name: string): Promise<MetricSnapshotsResponse> {
    return (await this.horizon.queueSnapshots(name)).map(snapshotView);
  }
}

/** Horizon's: runtime in seconds (3 decimals), throughput a whole number. */
function snapshotView(s: MetricsSnapshot) {
  return { throughput: Math.round(s.throughput), runtime: Math.round(s.runtime) / 1000, time: s.time, ...(s.wait !== undefined ? { wait: s.wait } : {}) };
}
