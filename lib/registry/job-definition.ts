import type { Type } from '@nestjs/common';
import type { JobOptions } from '../decorators/job-options.interface';
import type { MiddlewareItem } from '../decorators/middleware.decorator';
import type { JobContext, JobMiddleware } from '../worker/job-context.interface';

/** A job handler instance: what `@Job` classes look like to the worker. */
export interface JobHandlerInstance {
  handle(data: unknown, job: JobContext): unknown;
  [method: string]: unknown;
}

/** Everything known about one registered job, resolved once at start-up. */
export interface JobDefinition {
  name: string;
  target: Type<unknown>;
  options: JobOptions<unknown>;
  /** Normalised backoff (seconds per attempt). */
  backoff?: number[];
  queue?: string;
  connection?: string;
  middleware: MiddlewareItem<unknown>[];
  /** Name of the @OnFailed method, if any. */
  failedMethod?: string;
  /** The handler for this run (a singleton, or a new instance per job for non-static scopes). */
  resolve(): Promise<JobHandlerInstance>;
  /** Middleware classes resolved through DI, by class. */
  middlewareInstances: Map<Type<JobMiddleware>, JobMiddleware>;
}
