import type { JSX } from 'preact';
import { ApiError, get } from '../api';
import type { JobView } from '../api-types';
import { JsonBlock, TextBlock } from '../components/code-block';
import { runtime } from '../components/job-table';
import { Layout, PageTitle } from '../components/layout';
import { Badge, Card, Empty, ErrorBox, Field, Loading, Tags } from '../components/ui';
import { dateTime, duration } from '../format';
import { Link, route } from '../router';
import { listedJob } from '../job-cache';
import { POLL_MS, usePoll } from '../poll';

export function JobFields({ job }: { job: JobView }): JSX.Element {
  return (
    <dl class="fields">
      <Field label="ID">
        <code>{job.id}</code>
      </Field>
      <Field label="Name">{job.name}</Field>
      <Field label="Status">
        <Badge status={job.status} />
      </Field>
      <Field label="Queue">
        {job.connection}:{job.queue}
      </Field>
      <Field label="Attempts">{job.attempts}</Field>
      <Field label="Tags">{job.tags.length > 0 ? <Tags tags={job.tags} /> : '—'}</Field>
      <Field label="Pushed at">{dateTime(job.pushedAt)}</Field>
      {job.availableAt !== undefined && job.availableAt > job.pushedAt && <Field label="Delayed until">{dateTime(job.availableAt)}</Field>}
      {job.reservedAt !== undefined && <Field label="Reserved at">{dateTime(job.reservedAt)}</Field>}
      {job.completedAt !== undefined && <Field label="Completed at">{dateTime(job.completedAt)}</Field>}
      {job.failedAt !== undefined && <Field label="Failed at">{dateTime(job.failedAt)}</Field>}
      {runtime(job) !== undefined && <Field label="Runtime">{duration(runtime(job))}</Field>}
      {job.batchId && (
        <Field label="Batch">
          <Link to={route('batches', job.batchId)}>{job.batchId}</Link>
        </Field>
      )}
      {job.silenced && <Field label="Silenced">yes</Field>}
    </dl>
  );
}

export function JobData({ job }: { job: JobView }): JSX.Element {
  if (job.encrypted) return <Empty>This job is encrypted: its data is not shown.</Empty>;
  if (job.data !== undefined) return <JsonBlock value={job.data} label="Data" />;
  if (job.payload !== undefined) return <JsonBlock value={job.payload} label="Payload" />;
  return <Empty>No data recorded.</Empty>;
}

export function Chain({ job }: { job: JobView }): JSX.Element | null {
  if (!job.chained || job.chained.length === 0) return null;
  return (
    <Card title="Chain">
      <ol class="chain">
        {job.chained.map((name, i) => (
          <li key={`${i}:${name}`}>{name}</li>
        ))}
      </ol>
    </Card>
  );
}

export function NotFoundOr({ error, what }: { error: Error; what: string }): JSX.Element {
  if (error instanceof ApiError && error.status === 404) return <Empty>{what} was not found: it may have been trimmed or retried.</Empty>;
  return <ErrorBox error={error} />;
}

function isNotFound(error: Error | undefined): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function JobDetailPage({ id }: { id: string }): JSX.Element {
  // GET jobs/:id answers for a job with a record and for a waiting one found in its queue. Opened from a list,
  // the list's copy shows at once, and stays when the API cannot find the job (a waiting job released or delayed
  // long ago is not looked for far enough).
  const fromList = listedJob(id);
  const job = usePoll((signal) => get<JobView>(`jobs/${encodeURIComponent(id)}`, undefined, signal), `job:${id}`, POLL_MS);
  const listed = !job.data && (job.loading || isNotFound(job.error)) ? fromList : undefined;
  const shown = job.data ?? listed;
  return (
    <Layout section={shown ? `jobs/${shown.status === 'completed' ? (shown.silenced ? 'silenced' : 'completed') : 'pending'}` : 'jobs/pending'}>
      <PageTitle>{shown?.name ?? 'Job'}</PageTitle>
      {job.error && !listed && isNotFound(job.error) && (
        <Empty>
          No such job: its record may have been trimmed, and it is not waiting in its queue where its id would be (all
          waiting jobs are listed under <Link to="/jobs/pending">Pending Jobs</Link>).
        </Empty>
      )}
      {job.error && !isNotFound(job.error) && <ErrorBox error={job.error} />}
      {!shown && !job.error && <Loading />}
      {listed && isNotFound(job.error) && <p class="notice">Waiting in its queue: shown as the pending list read it.</p>}
      {shown && (
        <>
          <Card title="Job">
            <JobFields job={shown} />
          </Card>
          <Card title="Data">
            <JobData job={shown} />
          </Card>
          <Chain job={shown} />
          {shown.exception && (
            <Card title="Exception">
              <TextBlock text={shown.exception} label="Exception" />
            </Card>
          )}
        </>
      )}
    </Layout>
  );
}
