import type { JSX } from 'preact';
import { get } from '../api';
import type { MastersResponse, MasterView, StatsResponse, WorkloadQueue } from '../api-types';
import { Layout, PageTitle } from '../components/layout';
import { Badge, Card, Empty, ErrorBox, Loading, Stat } from '../components/ui';
import { number, period, seconds } from '../format';
import { usePoll } from '../poll';

function Overview({ stats }: { stats: StatsResponse }): JSX.Element {
  return (
    <div class="stats">
      <Stat label="Jobs per minute" value={number(stats.jobsPerMinute)} />
      <Stat label={`Jobs past ${period(stats.periods.recentJobs) || 'hour'}`} value={number(stats.recentJobs)} />
      <Stat label={`Failed jobs past ${period(stats.periods.failedJobs) || '7 days'}`} value={number(stats.failedJobs)} />
      <Stat
        label="Status"
        value={<Badge status={stats.status} label={stats.status === 'running' ? 'Active' : stats.status === 'paused' ? 'Paused' : 'Inactive'} />}
        hint={stats.pausedMasters > 0 && stats.status === 'running' ? `${number(stats.pausedMasters)} paused master(s)` : undefined}
      />
      <Stat label="Total processes" value={number(stats.processes)} />
      <Stat label="Max wait time" value={stats.queueWithMaxWait ? seconds(stats.maxWaitTime) : '—'} hint={stats.queueWithMaxWait ?? undefined} />
      <Stat label="Max runtime" value={stats.queueWithMaxRuntime ?? '—'} />
      <Stat label="Max throughput" value={stats.queueWithMaxThroughput ?? '—'} />
    </div>
  );
}

function Workload({ queues }: { queues: readonly WorkloadQueue[] }): JSX.Element {
  if (queues.length === 0) return <Empty>No queue is served by a running supervisor.</Empty>;
  return (
    <table class="table" id="workload">
      <thead>
        <tr>
          <th>Queue</th>
          <th class="num">Jobs</th>
          <th class="num">Processes</th>
          <th class="num">Wait</th>
        </tr>
      </thead>
      <tbody>
        {queues.map((q) => (
          <tr key={q.name}>
            <td>{q.name}</td>
            <td class="num">{number(q.length)}</td>
            <td class="num">{number(q.processes)}</td>
            <td class="num">{seconds(q.wait)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function processesOf(processes: Record<string, number>): string {
  return Object.entries(processes)
    .map(([pool, count]) => `${pool}: ${count}`)
    .join(', ');
}

function total(processes: Record<string, number>): number {
  return Object.values(processes).reduce((sum, n) => sum + n, 0);
}

function Master({ master }: { master: MasterView }): JSX.Element {
  return (
    <Card
      title={
        <span>
          {master.name} <Badge status={master.status} />
        </span>
      }
      actions={<span class="muted">pid {master.pid}{master.host ? ` on ${master.host}` : ''}</span>}
    >
      {master.supervisors.length === 0 ? (
        <Empty>This master runs no supervisor.</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>Supervisor</th>
              <th>Queues</th>
              <th class="num">Processes</th>
              <th>Balancing</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {master.supervisors.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>
                  {s.connection ? `${s.connection}: ` : ''}
                  {s.queues.join(', ')}
                </td>
                <td class="num" title={processesOf(s.processes)}>
                  {number(total(s.processes))}
                </td>
                <td>{s.balance === false ? 'Disabled' : String(s.balance)}</td>
                <td>
                  <Badge status={s.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function DashboardPage(): JSX.Element {
  const stats = usePoll((signal) => get<StatsResponse>('stats', undefined, signal), 'stats');
  const workload = usePoll((signal) => get<WorkloadQueue[]>('workload', undefined, signal), 'workload');
  const masters = usePoll((signal) => get<MastersResponse>('masters', undefined, signal), 'masters');
  const masterList = masters.data ? Object.values(masters.data) : undefined;
  return (
    <Layout section="dashboard">
      <PageTitle>Dashboard</PageTitle>
      <Card title="Overview" id="overview">
        {stats.error && <ErrorBox error={stats.error} />}
        {stats.data ? <Overview stats={stats.data} /> : !stats.error && <Loading />}
      </Card>
      <Card title="Current workload">
        {workload.error && <ErrorBox error={workload.error} />}
        {workload.data ? <Workload queues={workload.data} /> : !workload.error && <Loading />}
      </Card>
      <div id="masters">
        {masters.error && <ErrorBox error={masters.error} />}
        {masterList && masterList.length === 0 && (
          <Card title="Supervisors">
            <Empty>No master supervisor is running. Start one with `nestjs-queue supervise`.</Empty>
          </Card>
        )}
        {masterList?.map((m) => <Master key={m.name} master={m} />)}
        {!masters.data && !masters.error && <Loading />}
      </div>
    </Layout>
  );
}
