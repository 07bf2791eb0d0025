/** The resolved dashboard options (ResolvedDashboardOptions). */
export const DASHBOARD_OPTIONS = Symbol.for('nestjs-queue:dashboard-options');
/** The JobRecordsReader the dashboard reads job lists from. */
export const JOB_RECORDS_READER = Symbol.for('nestjs-queue:job-records-reader');
/** Metadata on handlers that change state: they need the token and a same-origin request. */
export const STATE_CHANGING = 'nestjs-queue:dashboard-state-changing';
