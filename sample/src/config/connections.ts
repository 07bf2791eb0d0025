/**
 * Which queue connections the sample uses. `npm run sample` runs it on Redis (the seed's `redis` and `redis-long`
 * connections), or, on a machine with no Redis, on SQLite: `SAMPLE_QUEUE_DRIVER=database` gives the same two
 * connections as `database` and `database-long`, in the sample's queue.sqlite. Read once, when the sample loads,
 * because the jobs' `@OnQueue(queue, connection)` decorators name them.
 */
export type SampleQueueDriver = 'redis' | 'database';

export const SAMPLE_QUEUE_DRIVER: SampleQueueDriver = process.env.SAMPLE_QUEUE_DRIVER === 'database' ? 'database' : 'redis';

/** The seed's `redis` connection (queue `{default}`), or `database` (queue `default`). */
export const DEFAULT_CONNECTION = SAMPLE_QUEUE_DRIVER === 'database' ? 'database' : 'redis';

/** The seed's `redis-long` connection (retryAfter 300), or `database-long`. */
export const LONG_CONNECTION = SAMPLE_QUEUE_DRIVER === 'database' ? 'database-long' : 'redis-long';

/** The default connection's own queue: a Redis Cluster hash tag on Redis, the bare name in a table. */
export const DEFAULT_QUEUE = SAMPLE_QUEUE_DRIVER === 'database' ? 'default' : '{default}';
