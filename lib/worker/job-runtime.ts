import type { AtomicStore } from '../stores/atomic-store.interface';
import type { JobContext } from './job-context.interface';

/** Internal: what shipped middleware needs from the job's surroundings. Not part of the public API. */
export const JOB_RUNTIME = Symbol.for('nestjs-queue:job-runtime');

export interface JobRuntime {
  /** Where the job's connection keeps locks and counters (its Redis server, or its database). */
  readonly store: AtomicStore;
  /** The configured key prefix, e.g. 'myapp:'. */
  readonly prefix: string;
}

export function runtimeOf(job: JobContext): JobRuntime {
  const runtime = (job as unknown as Record<symbol, JobRuntime | undefined>)[JOB_RUNTIME];
  if (!runtime) throw new Error('This job context has no queue runtime: middleware must run inside a nestjs-queue worker.');
  return runtime;
}
