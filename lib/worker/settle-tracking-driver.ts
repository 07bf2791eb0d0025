import type { AckOutcome, QueueDriver, QueueSizes, ReservedJob } from '../drivers/queue-driver.interface';

/**
 * The driver as a job's run sees it: every ack or release of a reservation is noted first, so the heartbeat
 * neither extends a reservation the run has already given up nor warns that it was lost.
 */
export class SettleTrackingDriver implements QueueDriver {
  readonly connectionName: string;
  readonly retryAfter: number;
  readonly blockFor: number | null;

  constructor(
    private readonly driver: QueueDriver,
    private readonly onSettle: (job: ReservedJob) => void,
  ) {
    this.connectionName = driver.connectionName;
    this.retryAfter = driver.retryAfter;
    this.blockFor = driver.blockFor;
  }

  ack(job: ReservedJob, outcome?: AckOutcome): Promise<void> {
    this.onSettle(job);
    return this.driver.ack(job, outcome);
  }

  release(job: ReservedJob, delaySeconds: number): Promise<boolean> {
    this.onSettle(job);
    return this.driver.release(job, delaySeconds);
  }

  push(queue: string, payload: string): Promise<void> {
    return this.driver.push(queue, payload);
  }

  pushMany(queue: string, payloads: string[]): Promise<void> {
    return this.driver.pushMany(queue, payloads);
  }

  later(queue: string, payload: string, delaySeconds: number): Promise<void> {
    return this.driver.later(queue, payload, delaySeconds);
  }

  pop(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]> {
    if (ack) this.onSettle(ack);
    return this.driver.pop(queues, count, ack);
  }

  waitForJobs(queues: readonly string[], seconds: number): Promise<void> {
    return this.driver.waitForJobs(queues, seconds);
  }

  extend(jobs: readonly ReservedJob[]): Promise<ReservedJob[]> {
    return this.driver.extend(jobs);
  }

  size(queue: string): Promise<number> {
    return this.driver.size(queue);
  }

  sizes(queue: string): Promise<QueueSizes> {
    return this.driver.sizes(queue);
  }

  clear(queue: string): Promise<number> {
    return this.driver.clear(queue);
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
