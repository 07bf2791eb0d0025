import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Series } from './chart';

type ChartModule = typeof import('./chart');

let loading: Promise<ChartModule> | undefined;
let loaded: ChartModule | undefined;

/**
 * The line chart, with uPlot fetched the first time a page draws one (a chunk of its own): the pages without
 * charts do not download or parse it. Holds the chart's height meanwhile, so the page does not jump.
 */
export function LineChart(props: { series: Series; height?: number }): JSX.Element {
  const [chart, setChart] = useState<ChartModule | undefined>(loaded);
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    if (chart) return undefined;
    let live = true;
    loading ??= import('./chart').then((m) => (loaded = m));
    loading.then(
      (m) => live && setChart(m),
      (e: unknown) => {
        loading = undefined;
        if (live) setError(e instanceof Error ? e : new Error(String(e)));
      },
    );
    return () => {
      live = false;
    };
  }, [chart]);
  if (chart) return <chart.LineChart {...props} />;
  return (
    <div class="chart" style={{ height: `${props.height ?? 220}px` }}>
      {error ? <p class="muted">The chart could not be loaded: {error.message}</p> : null}
    </div>
  );
}
