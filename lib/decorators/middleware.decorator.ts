import { SetMetadata, Type } from '@nestjs/common';
import { MIDDLEWARE_METADATA } from '../queue.constants';
import type { JobMiddleware } from '../worker/job-context.interface';

/** A middleware instance, an injectable middleware class, or a function of the job's data giving middleware. */
export type MiddlewareItem<T = never> =
  | JobMiddleware
  | Type<JobMiddleware>
  | ((data: T) => JobMiddleware | JobMiddleware[]);

/** Middleware that run around `handle`, in order. */
export function Middleware<T = never>(...items: MiddlewareItem<T>[]): ClassDecorator {
  return SetMetadata(MIDDLEWARE_METADATA, items);
}
