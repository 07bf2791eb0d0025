import type { Type } from '@nestjs/common';
import type { JobContext } from '../worker/job-context.interface';
import { Routing } from './routing';

/** A class whose instances handle jobs: `handle(data, job)`. */
export type JobClass = Type<{ handle(data: never, job: JobContext<never>): unknown }>;

/** The data type a job class's `handle` takes. */
export type JobDataOf<C> = C extends Type<{ handle(data: infer D, ...rest: never[]): unknown }> ? D : never;

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
