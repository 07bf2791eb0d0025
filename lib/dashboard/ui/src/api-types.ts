/**
 * The JSON the pages read: the server's own declarations (lib/dashboard/dashboard-api.types.ts, plain JSON types),
 * under the names the pages use. Type-only: nothing of the server's code enters the bundle.
 */
export type {
  BatchDetailResponse as BatchResponse,
  BatchListResponse as BatchesResponse,
  DashboardBatch as BatchView,
  DashboardJob as JobView,
  DashboardJobStatus as JobStatus,
  DashboardMaster as MasterView,
  DashboardStats as StatsResponse,
  DashboardStatus as HorizonStatus,
  DashboardSupervisor as SupervisorView,
  JobListResponse as JobsResponse,
  MastersResponse,
  MeasuredResponse,
  MetricSnapshotEntry as SnapshotView,
  MonitoringResponse,
  RetryResponse,
  WorkloadEntry as WorkloadQueue,
} from '../../dashboard-api.types';

/** One monitored tag of `GET monitoring`. */
export type MonitoredTagView = import('../../dashboard-api.types').MonitoringResponse[number];
