import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { time } from '../format';

export interface Series {
  label: string;
  /** Epoch seconds. */
  times: number[];
  values: number[];
  format: (value: number) => string;
  color: string;
}

/** A line chart of one series over time (uPlot: small and fast, draws on a canvas). */
export function LineChart({ series, height = 220 }: { series: Series; height?: number }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const width = (): number => Math.max(240, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height,
        legend: { show: true },
        // Room on the right for the last time label.
        padding: [12, 32, 0, 0],
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
        axes: [
          { stroke: '#6b7280', space: 90, values: (_u, ticks) => ticks.map((t) => time(t * 1000)) },
          { stroke: '#6b7280', size: 70, values: (_u, ticks) => ticks.map((t) => series.format(t)) },
        ],
        series: [
          {},
          {
            label: series.label,
            stroke: series.color,
            width: 2,
            fill: `${series.color}22`,
            points: { show: series.times.length < 60 },
            value: (_u, v) => (v === null || v === undefined ? '—' : series.format(v)),
          },
        ],
      },
      [series.times, series.values],
      element,
    );
    const onResize = (): void => plot.setSize({ width: width(), height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [series, height]);
  return <div class="chart" ref={box} />;
}
