import { QueueError } from './queue.error';

/**
 * A dispatch kept failing for `failoverTimeout` seconds because the Redis master it needs was being replaced
 * (a cluster slot without a master, a Sentinel primary being elected). Nothing was acknowledged: send it again.
 */
export class FailoverInProgressError extends QueueError {
  constructor(
    readonly server: string,
    readonly seconds: number,
    readonly lastError?: unknown,
  ) {
    super(
      `A Redis failover was in progress on "${server}": the job could not be written for ${seconds} s ` +
        `(last error: ${describe(lastError)}). Dispatch it again once the cluster has a master for its queue, ` +
        `or raise redis.${server}.failoverTimeout above your failover time (cluster-node-timeout plus about a second).`,
    );
  }
}

/**
 * A durable dispatch (`replicas: n`) was written to the master, but fewer than n replicas confirmed it within
 * `replicasTimeout`: a failover now could lose it. The job may still run; treat the dispatch as unconfirmed.
 */
export class ReplicationTimeoutError extends QueueError {
  constructor(
    readonly server: string,
    readonly wanted: number,
    readonly confirmed: number,
    readonly seconds: number,
    readonly lastError?: unknown,
  ) {
    super(
      `Only ${confirmed} of ${wanted} replica(s) of "${server}" confirmed the job within ${seconds} s` +
        (lastError === undefined ? '' : ` (${describe(lastError)})`) +
        `, so a failover could lose it. It may still run: dispatch it again only if it is safe to run twice (a unique ` +
        `job is), and check that the master's replicas are connected (INFO replication), or lower redis.${server}.replicas.`,
    );
  }
}

function describe(cause: unknown): string {
  if (cause === undefined || cause === null) return 'none';
  return (cause instanceof Error ? cause.message : String(cause)).replace(/[.\s]+$/, '');
}
