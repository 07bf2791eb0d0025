import type { JSX } from 'preact';
import { get } from '../api';
import type { JobView } from '../api-types';
import { TextBlock } from '../components/code-block';
import { Layout, PageTitle } from '../components/layout';
import { Badge, Card, ErrorBox, Loading } from '../components/ui';
import { dateTime } from '../format';
import { Link, route } from '../router';
import { usePoll } from '../poll';
import { useRetry } from '../retry';
import { Chain, JobData, JobFields, NotFoundOr } from './job-detail';

function Retries({ job }: { job: JobView }): JSX.Element | null {
  if (!job.retriedBy || job.retriedBy.length === 0) return null;
  return (
    <Card title="Retries">
      <table class="table">
        <thead>
          <tr>
            <th>Job</th>
            <th>Status</th>
            <th>Retried at</th>
          </tr>
        </thead>
        <tbody>
          {job.retriedBy.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={r.status === 'failed' ? route('failed', r.id) : route('jobs', r.id)}>
                  <code>{r.id}</code>
                </Link>
              </td>
              <td>
                <Badge status={r.status} />
              </td>
              <td>{dateTime(r.retriedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function FailedJobPage({ id }: { id: string }): JSX.Element {
  const job = usePoll((signal) => get<JobView>(`jobs/failed/${encodeURIComponent(id)}`, undefined, signal), `failed:${id}`);
  const { retrying, error, retry } = useRetry(job.reload);
  return (
    <Layout section="failed">
      <PageTitle
        actions={
          job.data && (
            <button type="button" class="btn btn-primary" disabled={retrying.has(id)} onClick={() => void retry([id])}>
              {retrying.has(id) ? 'Retrying…' : 'Retry'}
            </button>
          )
        }
      >
        {job.data?.name ?? 'Failed job'}
      </PageTitle>
      {error && <ErrorBox error={error} />}
      {job.error && <NotFoundOr error={job.error} what="This failed job" />}
      {!job.data && !job.error && <Loading />}
      {job.data && (
        <>
          <Card title="Job">
            <JobFields job={job.data} />
          </Card>
          <Card title="Exception">
            {job.data.exception ? <TextBlock text={job.data.exception} label="Exception" /> : <p class="muted">No exception recorded.</p>}
          </Card>
          <Card title="Data">
            <JobData job={job.data} />
          </Card>
          <Chain job={job.data} />
          <Retries job={job.data} />
        </>
      )}
    </Layout>
  );
}
