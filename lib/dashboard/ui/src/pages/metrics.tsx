import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { get } from '../api';
import type { SnapshotView } from '../api-types';
import { LineChart } from '../components/lazy-chart';
import { Layout, PageTitle } from '../components/layout';
import { Card, Empty, ErrorBox, Loading } from '../components/ui';
import { duration, tick } from '../format';
import { Link, route } from '../router';
import { usePoll } from '../poll';

export type MetricsType = 'jobs' | 'queues';

const METRICS_POLL_MS = 10_000;

function Tabs({ type }: { type: MetricsType }): JSX.Element {
  return (
    <div class="tabs" role="tablist">
      <Link to="/metrics/jobs" class={type === 'jobs' ? 'tab active' : 'tab'} role="tab" aria-selected={type === 'jobs'}>
        Jobs
      </Link>
      <Link to="/metrics/queues" class={type === 'queues' ? 'tab active' : 'tab'} role="tab" aria-selected={type === 'queues'}>
        Queues
      </Link>
    </div>
  );
}

export function MetricsPage({ type }: { type: MetricsType }): JSX.Element {
  const names = usePoll((signal) => get<string[]>(`metrics/${type}`, undefined, signal), `metrics:${type}`, METRICS_POLL_MS);
  return (
    <Layout section="metrics">
      <PageTitle>Metrics</PageTitle>
      <Tabs type={type} />
      <Card title={type === 'jobs' ? 'Jobs' : 'Queues'}>
        {names.error && <ErrorBox error={names.error} />}
        {!names.data && !names.error && <Loading />}
        {names.data &&
          (names.data.length === 0 ? (
            <Empty>No {type === 'jobs' ? 'job' : 'queue'} has metrics yet: a running master records them and takes a snapshot every few minutes.</Empty>
          ) : (
            <table class="table" id="metrics-list">
              <thead>
                <tr>
                  <th>{type === 'jobs' ? 'Job' : 'Queue'}</th>
                </tr>
              </thead>
              <tbody>
                {[...names.data].sort().map((name) => (
                  <tr key={name}>
                    <td>
                      <Link to={route('metrics', type, name)}>{name}</Link>
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

export function MetricsPreviewPage({ type, slug }: { type: MetricsType; slug: string }): JSX.Element {
  const snapshots = usePoll((signal) => get<SnapshotView[]>(`metrics/${type}/${encodeURIComponent(slug)}`, undefined, signal), `metrics:${type}:${slug}`, METRICS_POLL_MS);
  const series = useMemo(() => {
    const list = [...(snapshots.data ?? [])].sort((a, b) => a.time - b.time);
    const times = list.map((s) => s.time);
    return {
      throughput: { label: 'Jobs', times, values: list.map((s) => s.throughput), format: tick, color: '#7c3aed' },
      // Snapshots give runtime in seconds (Horizon's); the chart shows it as a duration.
      runtime: { label: 'Runtime', times, values: list.map((s) => s.runtime), format: (v: number) => duration(v * 1000), color: '#0ea5e9' },
      count: list.length,
    };
  }, [snapshots.data]);
  return (
    <Layout section="metrics">
      <PageTitle>
        <Link to={`/metrics/${type}`} class="muted">
          Metrics
        </Link>{' '}
        / {slug}
      </PageTitle>
      {snapshots.error && <ErrorBox error={snapshots.error} />}
      {!snapshots.data && !snapshots.error && <Loading />}
      {snapshots.data && series.count === 0 && (
        <Card>
          <Empty>No snapshot yet: the master takes one every few minutes (or run `nestjs-queue snapshot`).</Empty>
        </Card>
      )}
      {snapshots.data && series.count > 0 && (
        <>
          <Card title="Throughput (jobs per snapshot)" id="throughput-chart">
            <LineChart series={series.throughput} />
          </Card>
          <Card title="Average runtime" id="runtime-chart">
            <LineChart series={series.runtime} />
          </Card>
        </>
      )}
    </Layout>
  );
}
