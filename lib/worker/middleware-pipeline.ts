import type { Type } from '@nestjs/common';
import type { JobDefinition, JobHandlerInstance } from '../registry/job-definition';
import type { JobContext, JobMiddleware } from './job-context.interface';

/** The middleware of one job run, in order: instances, DI-resolved classes, and what data functions return. */
export function middlewareFor(definition: JobDefinition, data: unknown): JobMiddleware[] {
  const out: JobMiddleware[] = [];
  for (const item of definition.middleware) {
    if (typeof item === 'object' && item !== null) {
      out.push(item);
    } else if (typeof item === 'function' && definition.middlewareInstances.has(item as Type<JobMiddleware>)) {
      out.push(definition.middlewareInstances.get(item as Type<JobMiddleware>) as JobMiddleware);
    } else if (typeof item === 'function') {
      const made = (item as (d: unknown) => JobMiddleware | JobMiddleware[])(data);
      for (const m of ([] as (JobMiddleware | null | undefined)[]).concat(made)) {
        if (m && typeof m.handle === 'function') out.push(m);
        else if (m) throw new TypeError(`A middleware function of ${definition.name} returned something without a handle(job, next) method.`);
      }
    }
  }
  return out;
}

/**
 * Runs the middleware around the handler; each calls next() to go on. `beforeHandle` runs once every middleware
 * has let the job through, just before the handler (a job a middleware releases or deletes never reaches it).
 */
export async function runThroughPipeline(
  middleware: JobMiddleware[],
  handler: JobHandlerInstance,
  data: unknown,
  job: JobContext,
  beforeHandle?: () => Promise<void>,
): Promise<void> {
  const step = async (i: number): Promise<void> => {
    if (i < middleware.length) {
      await middleware[i].handle(job, () => step(i + 1));
      return;
    }
    if (beforeHandle) await beforeHandle();
    await handler.handle(data, job);
  };
  await step(0);
}
