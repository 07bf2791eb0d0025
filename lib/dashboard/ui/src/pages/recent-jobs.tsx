import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import type { JobsResponse } from '../api-types';
import { type JobColumn, JobTable } from '../components/job-table';
import { Layout, PageTitle } from '../components/layout';
import { PER_PAGE, Pager, startingAt } from '../components/pager';
import { Card, ErrorBox, Loading } from '../components/ui';
import { number } from '../format';
import { rememberJobs } from '../job-cache';
import { usePoll } from '../poll';

export type RecentType = 'pending' | 'completed' | 'silenced';

const TITLES: Record<RecentType, string> = { pending: 'Pending Jobs', completed: 'Completed Jobs', silenced: 'Silenced Jobs' };
const COLUMNS: Record<RecentType, JobColumn[]> = {
  pending: ['status', 'queued'],
  completed: ['queued', 'completed', 'runtime'],
  silenced: ['queued', 'completed', 'runtime'],
};
const EMPTY: Record<RecentType, string> = {
  pending: 'There are no pending jobs.',
  completed: 'There are no completed jobs.',
  silenced: 'There are no silenced jobs.',
};

export function RecentJobsPage({ type }: { type: RecentType }): JSX.Element {
  const [page, setPage] = useState(1);
  const list = usePoll((signal) => get<JobsResponse>(`jobs/${type}`, { starting_at: startingAt(page), limit: PER_PAGE }, signal), `${type}:${page}`);
  useEffect(() => {
    if (list.data) rememberJobs(list.data.jobs);
  }, [list.data]);
  return (
    <Layout section={`jobs/${type}`}>
      <PageTitle>{TITLES[type]}</PageTitle>
      <Card title={list.data ? `${number(list.data.total)} ${list.data.total === 1 ? 'job' : 'jobs'}` : 'Jobs'}>
        {list.error && <ErrorBox error={list.error} />}
        {list.data ? <JobTable jobs={list.data.jobs} columns={COLUMNS[type]} empty={EMPTY[type]} /> : !list.error && <Loading />}
        {list.data && <Pager page={page} total={list.data.total} onPage={setPage} />}
      </Card>
    </Layout>
  );
}
