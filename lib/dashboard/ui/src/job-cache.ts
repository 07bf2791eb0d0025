import type { JobView } from './api-types';

/**
 * The jobs of the list shown last. A waiting job has no record of its own yet (GET jobs/:id answers 404 until it
 * ends: the pending list reads it from its queue), so its detail page shows it as the list read it. Only the last
 * list is kept: a page of 50 jobs, never a growing store of payloads.
 */
let listed = new Map<string, JobView>();

export function rememberJobs(jobs: readonly JobView[]): void {
  listed = new Map(jobs.map((job) => [job.id, job]));
}

export function listedJob(id: string): JobView | undefined {
  return listed.get(id);
}
