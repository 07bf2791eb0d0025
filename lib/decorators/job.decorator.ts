import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { ScopeOptions } from '@nestjs/common';
import { JOB_METADATA } from '../queue.constants';
import type { JobOptions } from './job-options.interface';

/** Makes the class an injectable job handler, registered under its class name or `options.name`. */
export function Job<T = unknown>(options: JobOptions<T> & ScopeOptions = {}): ClassDecorator {
  const { scope, durable, ...jobOptions } = options;
  return applyDecorators(Injectable({ scope, durable }), SetMetadata(JOB_METADATA, jobOptions));
}
