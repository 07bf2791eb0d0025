import type { JobDefinition } from '../registry/job-definition';
import type { JobOptions } from '../decorators/job-options.interface';
import type { DescribedJobOptions, DescriptorPayload } from '../payload/payload.interface';
import { InvalidPayloadError } from '../errors';

/** What sending a job needs to know of its class: a registered definition, or the options a descriptor carries. */
export type JobSpec = Pick<JobDefinition, 'name' | 'options' | 'backoff' | 'queue' | 'connection'>;

/** The class's options as a descriptor carries them, so a process without the class can send the job. */
export function describeOptions(definition: JobDefinition, data: unknown): DescribedJobOptions {
  const o = definition.options;
  const out: DescribedJobOptions = {};
  if (o.tries !== undefined) out.tries = o.tries;
  if (o.maxExceptions) out.maxExceptions = o.maxExceptions;
  if (definition.backoff?.length) out.backoff = definition.backoff;
  if (o.timeout !== undefined) out.timeout = o.timeout;
  if (o.failOnTimeout) out.failOnTimeout = true;
  if (o.retryUntil) {
    const until = o.retryUntil(data);
    const ms = until instanceof Date ? until.getTime() : until;
    out.retryFor = Math.round((ms - Date.now()) / 1000);
  }
  if (o.tags) out.tags = o.tags(data);
  if (o.encrypted) out.encrypted = true;
  if (o.deleteWhenMissing) out.deleteWhenMissing = true;
  if (o.unique) {
    out.unique = { id: o.unique.id ? o.unique.id(data) : '' };
    if (o.unique.for) out.unique.for = o.unique.for;
    if (o.unique.until) out.unique.until = o.unique.until;
  }
  if (definition.connection) out.connection = definition.connection;
  if (definition.queue) out.queue = definition.queue;
  return out;
}

/**
 * The spec that sends a described job: this process's definition when it has the class (its options as they are
 * now), else the options the descriptor carries from when it was described.
 */
export function specFor(descriptor: DescriptorPayload, local: JobDefinition | undefined): JobSpec {
  if (local) return local;
  const d = descriptor.options;
  if (!d) {
    throw new InvalidPayloadError(
      `No job named "${descriptor.job}" is registered in this process, and the chain link was written without its options ` +
        `(by an earlier nestjs-queue), so it cannot be sent from here. Register the class in this app too.`,
    );
  }
  const options: JobOptions<unknown> = {};
  if (d.tries !== undefined) options.tries = d.tries;
  if (d.maxExceptions) options.maxExceptions = d.maxExceptions;
  if (d.timeout !== undefined) options.timeout = d.timeout;
  if (d.failOnTimeout) options.failOnTimeout = true;
  if (d.retryFor !== undefined) {
    const seconds = d.retryFor;
    options.retryUntil = () => Date.now() + seconds * 1000;
  }
  if (d.tags) {
    const tags = d.tags;
    options.tags = () => tags;
  }
  if (d.encrypted) options.encrypted = true;
  if (d.deleteWhenMissing) options.deleteWhenMissing = true;
  if (d.unique) {
    const id = d.unique.id;
    options.unique = { id: () => id, for: d.unique.for, until: d.unique.until };
  }
  return { name: descriptor.job, options, backoff: d.backoff, connection: d.connection, queue: d.queue };
}
