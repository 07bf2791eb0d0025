import type { Type } from '@nestjs/common';
import type { JobContext } from '../worker/job-context.interface';
import { Routing } from './routing';
import type { HandleDataOf, Jsonify } from './job-data.types';

/** A class whose instances handle jobs: `handle(data, job)`. */
export type JobClass = Type<{ handle(data: never, job: JobContext<never>): unknown }>;

/**
 * The data a job class's `handle` takes, as JSON carries it: what dispatch accepts. A field JSON would change (a
 * Date) becomes a `NotPlainJson` type, so dispatching it does not compile.
 */
export type JobDataOf<C> = Jsonify<HandleDataOf<C>>;

/** A job to send later: in a batch, a chain, or as a callback. Built with `job(JobClass, data)`. */
export class JobDescriptor<C extends JobClass = JobClass> extends Routing {
  constructor(
    readonly jobClass: C,
    readonly data: JobDataOf<C>,
  ) {
    super();
  }
}

/** Describes a job for a batch, a chain or a callback. TypeScript checks `data` against the class's handle. */
export function job<C extends JobClass>(jobClass: C, data: JobDataOf<C>): JobDescriptor {
  return new JobDescriptor(jobClass, data);
}
