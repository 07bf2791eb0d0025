import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { ScopeOptions } from '@nestjs/common';
import { JOB_METADATA } from '../queue.constants';
import type { PlainJsonHandler } from '../bus/job-data.types';
import type { JobOptions } from './job-options.interface';

/** A class decorator that also checks, at compile time, that the class's `handle` takes plain JSON data. */
export type JobDecorator = <C extends abstract new (...args: never[]) => unknown>(target: C & PlainJsonHandler<C>) => void;

/**
 * Makes the class an injectable job handler, registered under its class name or `options.name`. The data its
 * `handle` takes must be plain JSON, as the worker gives it: `handle(data: { when: Date })` does not compile
 * (a Date arrives as its ISO string; type it `string`).
 */
export function Job<T = unknown>(options: JobOptions<T> & ScopeOptions = {}): JobDecorator {
  const { scope, durable, ...jobOptions } = options;
  return applyDecorators(Injectable({ scope, durable }), SetMetadata(JOB_METADATA, jobOptions)) as JobDecorator;
}
