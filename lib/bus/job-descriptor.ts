import type { Type } from '@nestjs/common';
import type { JobContext } from '../worker/job-context.interface';

/** A class whose instances handle jobs: `handle(data, job)`. */
export type JobClass = Type<{ handle(data: never, job: JobContext<never>): unknown }>;

/** The data type a job class's `handle` takes. */
export type JobDataOf<C> = C extends Type<{ handle(data: infer D, ...rest: never[]): unknown }> ? D : never;

/** A job to send later: in a batch, a chain, or as a callback. Built with `job(JobClass, data)`. */
export class JobDescriptor<C extends JobClass = JobClass> {
  connection?: string;
  queue?: string;
  delaySeconds?: number;

  constructor(
    readonly jobClass: C,
    readonly data: JobDataOf<C>,
  ) {}

  onConnection(connection: string): this {
    this.connection = connection;
    return this;
  }

  onQueue(queue: string): this {
    this.queue = queue;
    return this;
  }

  delay(delay: number | Date): this {
    this.delaySeconds = toDelaySeconds(delay);
    return this;
  }
}

/** Describes a job for a batch, a chain or a callback. TypeScript checks `data` against the class's handle. */
export function job<C extends JobClass>(jobClass: C, data: JobDataOf<C>): JobDescriptor {
  return new JobDescriptor(jobClass, data);
}

export function toDelaySeconds(delay: number | Date): number {
  const seconds = delay instanceof Date ? (delay.getTime() - Date.now()) / 1000 : delay;
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) {
    throw new TypeError(`delay() takes seconds or a Date, got ${String(delay)}`);
  }
  return Math.max(0, seconds);
}
