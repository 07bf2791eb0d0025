import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import type { JobsResponse, JobView } from '../api-types';
import { runtime } from '../components/job-table';
import { Layout, PageTitle } from '../components/layout';
import { PER_PAGE, Pager, startingAt } from '../components/pager';
import { Card, Empty, ErrorBox, Loading, Tags } from '../components/ui';
import { dateTime, duration, number } from '../format';
import { Link, route } from '../router';
import { usePoll } from '../poll';
import { useRetry } from '../retry';

function firstLine(exception: string | undefined): string {
  if (!exception) return '';
  const line = exception.split('\n', 1)[0];
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

function FailedTable({ jobs, retrying, selected, onSelect, onRetry }: {
  jobs: readonly JobView[];
  retrying: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  onSelect: (id: string, on: boolean) => void;
  onRetry: (ids: string[]) => void;
}): JSX.Element {
  return (
    <table class="table jobs">
      <thead>
        <tr>
          <th class="check">
            <input
              type="checkbox"
              aria-label="Select all on this page"
              checked={jobs.length > 0 && jobs.every((j) => selected.has(j.id))}
              onChange={(e) => jobs.forEach((j) => onSelect(j.id, (e.currentTarget as HTMLInputElement).checked))}
            />
          </th>
          <th>Job</th>
          <th class="num">Runtime</th>
          <th>Failed</th>
          <th class="num">Retry</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-job-id={job.id}>
            <td class="check">
              <input type="checkbox" aria-label={`Select ${job.id}`} checked={selected.has(job.id)} onChange={(e) => onSelect(job.id, (e.currentTarget as HTMLInputElement).checked)} />
            </td>
            <td>
              <Link to={route('failed', job.id)} class="job-name" title={job.name}>
                {job.name}
              </Link>
              <div class="sub">
                <span>Queue: {job.queue}</span>
                <span>Attempts: {job.attempts}</span>
                {job.retriedBy && job.retriedBy.length > 0 && <span>Retries: {job.retriedBy.length}</span>}
                <Tags tags={job.tags} />
              </div>
              {job.exception && <div class="exception-line">{firstLine(job.exception)}</div>}
            </td>
            <td class="num nowrap">{duration(runtime(job))}</td>
            <td class="nowrap">{dateTime(job.failedAt)}</td>
            <td class="num">
              <button type="button" class="btn btn-small" disabled={retrying.has(job.id)} onClick={() => onRetry([job.id])} aria-label={`Retry ${job.id}`}>
                {retrying.has(job.id) ? 'Retrying…' : 'Retry'}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FailedJobsPage(): JSX.Element {
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const timer = setTimeout(() => {
      setTag(search.trim());
      setPage(1);
    }, 300);
    return () => clearTimeout(timer);
  }, [search]);
  const list = usePoll((signal) => get<JobsResponse>('jobs/failed', { starting_at: startingAt(page), limit: PER_PAGE, tag: tag || undefined }, signal), `failed:${tag}:${page}`);
  const { retrying, error, retry } = useRetry(list.reload);
  const onSelect = (id: string, on: boolean): void =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const retryMany = (ids: string[]): void => {
    setSelected((s) => new Set([...s].filter((id) => !ids.includes(id))));
    void retry(ids);
  };
  return (
    <Layout section="failed">
      <PageTitle
        actions={
          <input
            type="search"
            class="input"
            placeholder="Search tags…"
            aria-label="Search failed jobs by tag"
            value={search}
            onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)}
          />
        }
      >
        Failed Jobs
      </PageTitle>
      <Card
        title={list.data ? `${number(list.data.total)} failed ${list.data.total === 1 ? 'job' : 'jobs'}${tag ? ` tagged “${tag}”` : ''}` : 'Failed Jobs'}
        actions={
          <button type="button" class="btn" disabled={selected.size === 0} onClick={() => retryMany([...selected])}>
            Retry selected ({selected.size})
          </button>
        }
      >
        {error && <ErrorBox error={error} />}
        {list.error && <ErrorBox error={list.error} />}
        {list.data &&
          (list.data.jobs.length === 0 ? (
            <Empty>{tag ? `No failed job is tagged “${tag}”.` : 'There are no failed jobs.'}</Empty>
          ) : (
            <FailedTable jobs={list.data.jobs} retrying={retrying} selected={selected} onSelect={onSelect} onRetry={retryMany} />
          ))}
        {!list.data && !list.error && <Loading />}
        {list.data && <Pager page={page} total={list.data.total} onPage={setPage} />}
      </Card>
    </Layout>
  );
}
