/**
 * Redis keys of the supervisor layer, under the configured prefix. Every key carries the `{horizon}` hash tag, so
 * the few scripts that touch several of them run on a Redis Cluster too (all land in one slot).
 */
export class SupervisorKeys {
  constructor(private readonly prefix: string) {}

  private key(rest: string): string {
    return `${this.prefix}{horizon}:${rest}`;
  }

  /** Set of the names of masters that registered (their records may have expired). */
  masterNames(): string {
    return this.key('masters');
  }

  /** A master's record (JSON), with a short TTL renewed by its loop. */
  master(name: string): string {
    return this.key(`master:${name}`);
  }

  /** A master's list of pending commands (pause, continue, terminate, ...). */
  commands(master: string): string {
    return this.key(`commands:${master}`);
  }

  measuredJobs(): string {
    return this.key('measured_jobs');
  }

  measuredQueues(): string {
    return this.key('measured_queues');
  }

  /** Hash { throughput, runtime } of one job name since the last snapshot. */
  jobMetrics(name: string): string {
    return this.key(`job:${name}`);
  }

  /** Hash { throughput, runtime } of one `connection:queue` since the last snapshot. */
  queueMetrics(queue: string): string {
    return this.key(`queue:${queue}`);
  }

  jobSnapshots(name: string): string {
    return this.key(`snapshot:job:${name}`);
  }

  queueSnapshots(queue: string): string {
    return this.key(`snapshot:queue:${queue}`);
  }

  lastSnapshotAt(): string {
    return this.key('last_snapshot_at');
  }

  /** Held by the master that takes the periodic snapshot, so several masters take one between them. */
  snapshotLock(): string {
    return this.key('lock:snapshot');
  }

  /** Held by the master that checks wait times, so one LongWaitDetected per queue per check across masters. */
  waitLock(): string {
    return this.key('lock:waits');
  }
}
