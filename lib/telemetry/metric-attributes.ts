import type { Attributes } from '@opentelemetry/api';
import { ATTR, AttemptOutcome, MESSAGING_SYSTEM } from './telemetry.attributes';

/** Attribute sets kept before the cache starts over (the SDK's own default cardinality limit is 2,000 per metric). */
const MAX_SETS = 2000;

/**
 * The attribute objects the metrics are recorded with, built once per distinct set and then reused (frozen: the
 * SDK keeps them as the keys of its data points). A job's attempt otherwise builds three or four objects by spreading,
 * which was the largest share of the library's own CPU per job with a metrics SDK registered.
 */
export class MetricAttributes {
  private readonly sets = new Map<string, Attributes>();

  /** `processed`: where, what, and how it ended. */
  processed(connection: string, queue: string, job: string, outcome: AttemptOutcome): Attributes {
    return this.get(`p${key(connection, queue, job)}${outcome}`, () => ({ ...where(connection, queue, job), [ATTR.outcome]: outcome }));
  }

  /** `duration`: as `processed`, and the error's type when the attempt threw or failed. */
  duration(connection: string, queue: string, job: string, outcome: AttemptOutcome, errorType: string | undefined): Attributes {
    if (!errorType) return this.processed(connection, queue, job, outcome);
    return this.get(`d${key(connection, queue, job)}${outcome}:${errorType}`, () => ({
      ...where(connection, queue, job), [ATTR.outcome]: outcome, [ATTR.errorType]: errorType,
    }));
  }

  /** `failed`: where, what, and the error's type. */
  failed(connection: string, queue: string, job: string, errorType: string | undefined): Attributes {
    return this.get(`f${key(connection, queue, job)}${errorType ?? ''}`, () => ({
      ...where(connection, queue, job), ...(errorType ? { [ATTR.errorType]: errorType } : {}),
    }));
  }

  /** `wait_time`: where and what. */
  waited(connection: string, queue: string, job: string): Attributes {
    return this.get(`w${key(connection, queue, job)}`, () => where(connection, queue, job));
  }

  private get(key: string, build: () => Attributes): Attributes {
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= MAX_SETS) this.sets.clear();
      set = Object.freeze(build());
      this.sets.set(key, set);
    }
    return set;
  }
}

/** Where and what, as a cache key no two different triples share: each part prefixed by its length. */
function key(connection: string, queue: string, job: string): string {
  return `${connection.length}:${connection}${queue.length}:${queue}${job.length}:${job}`;
}

function where(connection: string, queue: string, job: string): Attributes {
  return { [ATTR.system]: MESSAGING_SYSTEM, [ATTR.destination]: queue, [ATTR.jobName]: job, [ATTR.connection]: connection };
}
