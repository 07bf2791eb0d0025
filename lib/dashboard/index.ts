// Public entry of `nestjs-queue/dashboard`.
export { QueueDashboardModule } from './dashboard.module';
export type {
  QueueDashboardOptions, QueueDashboardAsyncOptions, QueueDashboardRuntimeOptions, DashboardAuthorizer, DashboardHttpRequest,
} from './dashboard-options.interface';
export * from './dashboard-api.types';
export type { JobRecord, JobRecordStatus, JobRecordPage, JobRecordsReader, MonitoredTag, PageRequest } from './job-records.interface';
export { DashboardConfigError } from '../errors/dashboard.errors';
