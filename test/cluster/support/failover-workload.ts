import { Job, JobContext } from '../../../lib';
import type { ClusterTestApp } from './cluster-app';

/** Every run of a TrackedJob in this process: its dispatch number, once per run. */
export const runs: number[] = [];

@Job({ name: 'failover-tracked' })
export class TrackedJob {
  async handle(data: { n: number }, _ctx: JobContext): Promise<void> {
    runs.push(data.n);
  }
}

export interface DispatchOutcomes {
  /** Dispatch numbers whose dispatch resolved (the job was acknowledged). */
  resolved: number[];
  /** Dispatch numbers whose dispatch rejected, with the error class. */
  rejected: { n: number; error: string; message: string }[];
}

/**
 * Dispatches TrackedJob to `queue` with `inFlight` dispatches outstanding at a time until `stop()` resolves
 * true, numbering them from `from`. Records which resolved and which rejected.
 */
export function produce(t: ClusterTestApp, queue: string, inFlight: number, until: () => boolean): { outcomes: DispatchOutcomes; done: Promise<void> } {
  const outcomes: DispatchOutcomes = { resolved: [], rejected: [] };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!until()) {
      const n = next++;
      try {
        await t.bus.dispatch(TrackedJob, { n }).onQueue(queue);
        outcomes.resolved.push(n);
      } catch (error) {
        outcomes.rejected.push({ n, error: (error as Error).constructor.name, message: (error as Error).message });
        // A dispatch that rejects at once must not starve the timers (the test's own time bounds) in a microtask loop.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  return { outcomes, done: Promise.all(Array.from({ length: inFlight }, lane)).then(() => undefined) };
}

export interface LossReport {
  dispatched: number;
  resolved: number;
  rejected: number;
  /** Resolved dispatches whose job never ran. */
  lost: number[];
  /** Jobs that ran more than once. */
  doubled: number[];
  /** Jobs that ran although their dispatch rejected (written, then not confirmed). */
  ranAfterRejection: number;
}

export function lossReport(outcomes: DispatchOutcomes): LossReport {
  const counts = new Map<number, number>();
  for (const n of runs) counts.set(n, (counts.get(n) ?? 0) + 1);
  const rejected = new Set(outcomes.rejected.map((r) => r.n));
  return {
    dispatched: outcomes.resolved.length + outcomes.rejected.length,
    resolved: outcomes.resolved.length,
    rejected: outcomes.rejected.length,
    lost: outcomes.resolved.filter((n) => !counts.has(n)),
    doubled: [...counts].filter(([, c]) => c > 1).map(([n]) => n),
    ranAfterRejection: [...rejected].filter((n) => counts.has(n)).length,
  };
}

/** Prints the report, so a run shows what a failover cost. */
export function printReport(label: string, report: LossReport, outcomes: DispatchOutcomes): void {
  const errors = new Map<string, number>();
  for (const r of outcomes.rejected) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  // eslint-disable-next-line no-console
  console.log(
    `${label}: dispatched ${report.dispatched}, resolved ${report.resolved}, rejected ${report.rejected}` +
      (errors.size ? ` (${[...errors].map(([e, c]) => `${e} x${c}`).join(', ')})` : '') +
      `, lost ${report.lost.length}${report.lost.length ? ` [${report.lost.slice(0, 20).join(',')}]` : ''}` +
      `, doubled ${report.doubled.length}${report.doubled.length ? ` [${report.doubled.slice(0, 20).join(',')}]` : ''}` +
      `, ran although rejected ${report.ranAfterRejection}`,
  );
}
