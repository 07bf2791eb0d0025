import type { JSX } from 'preact';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Layout, PageTitle } from './components/layout';
import { Empty } from './components/ui';
import { BatchesPage, BatchPage } from './pages/batches';
import { DashboardPage } from './pages/dashboard';
import { FailedJobsPage } from './pages/failed';
import { FailedJobPage } from './pages/failed-detail';
import { JobDetailPage } from './pages/job-detail';
import { MetricsPage, MetricsPreviewPage, type MetricsType } from './pages/metrics';
import { MonitoredTagPage, MonitoringPage } from './pages/monitoring';
import { RecentJobsPage } from './pages/recent-jobs';
import { Link, match, navigate, useRoute } from './router';
// uPlot's few rules ride in app.css: the chart chunk (components/lazy-chart.tsx) then carries no stylesheet.
import 'uplot/dist/uPlot.min.css';
import './styles.css';

function NotFound(): JSX.Element {
  return (
    <Layout section="">
      <PageTitle>Not found</PageTitle>
      <Empty>
        There is no such page. <Link to="/dashboard">Back to the dashboard</Link>.
      </Empty>
    </Layout>
  );
}

/** Horizon's routes, each to its page; a page gets a fresh state (key) when its route changes. */
function page(route: string): JSX.Element | null {
  let p: Record<string, string> | null;
  if (route === '/' || route === '/dashboard') return <DashboardPage />;
  if (route === '/monitoring') return <MonitoringPage />;
  if ((p = match('/monitoring/:tag', route))) return <MonitoredTagPage key={route} tag={p.tag} />;
  if ((p = match('/metrics/:type', route)) && (p.type === 'jobs' || p.type === 'queues')) return <MetricsPage key={route} type={p.type} />;
  if ((p = match('/metrics/:type/:slug', route)) && (p.type === 'jobs' || p.type === 'queues')) {
    return <MetricsPreviewPage key={route} type={p.type as MetricsType} slug={p.slug} />;
  }
  if (route === '/jobs/pending' || route === '/jobs/completed' || route === '/jobs/silenced') {
    const type = route.slice('/jobs/'.length) as 'pending' | 'completed' | 'silenced';
    return <RecentJobsPage key={route} type={type} />;
  }
  if ((p = match('/jobs/:id', route))) return <JobDetailPage key={route} id={p.id} />;
  if (route === '/failed') return <FailedJobsPage />;
  if ((p = match('/failed/:id', route))) return <FailedJobPage key={route} id={p.id} />;
  if (route === '/batches') return <BatchesPage />;
  if ((p = match('/batches/:id', route))) return <BatchPage key={route} id={p.id} />;
  return null;
}

const TITLES: [RegExp, string][] = [
  [/^\/(dashboard)?$/, 'Dashboard'],
  [/^\/monitoring/, 'Monitoring'],
  [/^\/metrics/, 'Metrics'],
  [/^\/jobs\/pending/, 'Pending Jobs'],
  [/^\/jobs\/completed/, 'Completed Jobs'],
  [/^\/jobs\/silenced/, 'Silenced Jobs'],
  [/^\/jobs\//, 'Job'],
  [/^\/failed/, 'Failed Jobs'],
  [/^\/batches/, 'Batches'],
];

function App(): JSX.Element {
  const route = useRoute();
  useEffect(() => {
    if (route === '/') navigate('/dashboard', true);
    const title = TITLES.find(([pattern]) => pattern.test(route))?.[1] ?? 'Not found';
    document.title = `${title} · Queue Dashboard`;
  }, [route]);
  return page(route) ?? <NotFound />;
}

/** The tab's icon, inline (no request: the browser would otherwise ask the site's root for /favicon.ico). */
function setIcon(): void {
  if (document.querySelector('link[rel~="icon"]')) return;
  const link = document.createElement('link');
  link.rel = 'icon';
  link.href = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l7 7-7 7-7-7z" fill="#7746ec"/></svg>')}`;
  document.head.appendChild(link);
}

setIcon();
const root = document.getElementById('app');
if (root) render(<App />, root);
