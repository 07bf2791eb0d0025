import type { JSX } from 'preact';
import type { JobView } from '../api-types';
import { dateTime, duration } from '../format';
import { Link, route } from '../router';
import { Badge, Empty, Tags } from './ui';

export type JobColumn = 'queued' | 'completed' | 'runtime' | 'failed' | 'status' | 'retry';

/** Runtime of a finished job: completed (or failed) minus reserved. */
export function runtime(job: JobView): number | undefined {
  const end = job.completedAt ?? job.failedAt;
  return end !== undefined && job.reservedAt !== undefined ? Math.max(0, end - job.reservedAt) : undefined;
}

export function jobLink(job: JobView): string {
  return job.status === 'failed' ? route('failed', job.id) : route('jobs', job.id);
}

export function JobTable({
  jobs,
  columns,
  empty,
  onRetry,
  retrying,
}: {
  jobs: readonly JobView[];
  columns: readonly JobColumn[];
  empty: string;
  onRetry?: (job: JobView) => void;
  retrying?: ReadonlySet<string>;
}): JSX.Element {
  if (jobs.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table class="table jobs">
      <thead>
        <tr>
          <th>Job</th>
          {columns.includes('status') && <th>Status</th>}
          {columns.includes('queued') && <th>Queued</th>}
          {columns.includes('completed') && <th>Completed</th>}
          {columns.includes('failed') && <th>Failed</th>}
          {columns.includes('runtime') && <th class="num">Runtime</th>}
          {columns.includes('retry') && <th class="num">Retry</th>}
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-job-id={job.id}>
            <td>
              <Link to={jobLink(job)} class="job-name" title={job.name}>
                {job.name}
              </Link>
              <div class="sub">
                <span>Queue: {job.queue}</span>
                {job.attempts > 0 && <span>Attempts: {job.attempts}</span>}
                {job.batchId && <span>Batch</span>}
                <Tags tags={job.tags} />
              </div>
            </td>
            {columns.includes('status') && (
              <td>
                <Badge status={job.status} />
              </td>
            )}
            {columns.includes('queued') && <td class="nowrap">{dateTime(job.pushedAt)}</td>}
            {columns.includes('completed') && <td class="nowrap">{dateTime(job.completedAt)}</td>}
            {columns.includes('failed') && <td class="nowrap">{dateTime(job.failedAt)}</td>}
            {columns.includes('runtime') && <td class="num nowrap">{duration(runtime(job))}</td>}
            {columns.includes('retry') && (
              <td class="num">
                <button type="button" class="btn btn-small" disabled={retrying?.has(job.id)} onClick={() => onRetry?.(job)} aria-label={`Retry ${job.name} ${job.id}`}>
                  {retrying?.has(job.id) ? 'Retrying…' : 'Retry'}
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
