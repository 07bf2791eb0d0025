import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, send } from '../api';
import type { JobsResponse, MonitoredTagView } from '../api-types';
import { JobTable } from '../components/job-table';
import { Layout, PageTitle } from '../components/layout';
import { PER_PAGE, Pager, startingAt } from '../components/pager';
import { Card, Empty, ErrorBox, Loading } from '../components/ui';
import { number } from '../format';
import { Link, navigate, route } from '../router';
import { rememberJobs } from '../job-cache';
import { usePoll } from '../poll';

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function MonitoringPage(): JSX.Element {
  const tags = usePoll((signal) => get<MonitoredTagView[]>('monitoring', undefined, signal), 'monitoring');
  const [tag, setTag] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    const wanted = tag.trim();
    if (!wanted) return;
    setBusy(true);
    setError(undefined);
    try {
      await send('POST', 'monitoring', { tag: wanted });
      setTag('');
      tags.reload();
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };
  const stop = async (name: string): Promise<void> => {
    setError(undefined);
    try {
      await send('DELETE', `monitoring/${encodeURIComponent(name)}`);
      tags.reload();
    } catch (e) {
      setError(errorOf(e));
    }
  };

  return (
    <Layout section="monitoring">
      <PageTitle>Monitoring</PageTitle>
      <Card title="Monitor a tag">
        <form class="inline-form" onSubmit={(e) => void add(e)}>
          <input
            class="input"
            name="tag"
            placeholder="e.g. customer:42 or order:1001"
            aria-label="Tag to monitor"
            value={tag}
            onInput={(e) => setTag((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="btn btn-primary" disabled={busy || tag.trim() === ''}>
            Monitor
          </button>
        </form>
        {error && <ErrorBox error={error} />}
      </Card>
      <Card title="Monitored tags">
        {tags.error && <ErrorBox error={tags.error} />}
        {!tags.data && !tags.error && <Loading />}
        {tags.data &&
          (tags.data.length === 0 ? (
            <Empty>No tag is monitored. Monitor one to keep its jobs.</Empty>
          ) : (
            <table class="table" id="monitored-tags">
              <thead>
                <tr>
                  <th>Tag</th>
                  <th class="num">Jobs</th>
                  <th class="num" />
                </tr>
              </thead>
              <tbody>
                {tags.data.map((t) => (
                  <tr key={t.tag}>
                    <td>
                      <Link to={route('monitoring', t.tag)}>{t.tag}</Link>
                    </td>
                    <td class="num">{number(t.count)}</td>
                    <td class="num">
                      <button type="button" class="btn btn-small btn-danger" onClick={() => void stop(t.tag)} aria-label={`Stop monitoring ${t.tag}`}>
                        Stop monitoring
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </Card>
    </Layout>
  );
}

export function MonitoredTagPage({ tag }: { tag: string }): JSX.Element {
  const [page, setPage] = useState(1);
  const list = usePoll((signal) => get<JobsResponse>(`monitoring/${encodeURIComponent(tag)}`, { starting_at: startingAt(page), limit: PER_PAGE }, signal), `tag:${tag}:${page}`);
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    if (list.data) rememberJobs(list.data.jobs);
  }, [list.data]);
  const stop = async (): Promise<void> => {
    try {
      await send('DELETE', `monitoring/${encodeURIComponent(tag)}`);
      navigate('/monitoring');
    } catch (e) {
      setError(errorOf(e));
    }
  };
  return (
    <Layout section="monitoring">
      <PageTitle
        actions={
          <button type="button" class="btn btn-danger" onClick={() => void stop()}>
            Stop monitoring
          </button>
        }
      >
        Tag: {tag}
      </PageTitle>
      {error && <ErrorBox error={error} />}
      <Card title={list.data ? `${number(list.data.total)} ${list.data.total === 1 ? 'job' : 'jobs'}` : 'Jobs'}>
        {list.error && <ErrorBox error={list.error} />}
        {!list.data && !list.error && <Loading />}
        {list.data && <JobTable jobs={list.data.jobs} columns={['status', 'queued', 'runtime']} empty={`No job tagged “${tag}” was recorded yet.`} />}
        {list.data && <Pager page={page} total={list.data.total} onPage={setPage} />}
      </Card>
    </Layout>
  );
}
