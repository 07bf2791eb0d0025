import type { QueueDriver, QueueSizes, ReservedJob } from '../queue-driver.interface';

/** Runs a payload in this process, now. Provided by the worker layer. */
export type SyncExecutor = (connectionName: string, queue: string, payload: string) => Promise<void>;

/**
 * Laravel's sync driver: a push runs the job at once, in the dispatching process; a failure is thrown back
 * to the dispatcher after the job's failure handling ran. Nothing is stored, so nothing can be popped.
 */
export class SyncQueueDriver implements QueueDriver {
  readonly retryAfter = 0;
  readonly blockFor = null;

  constructor(
    readonly connectionName: string,
    private readonly execute: () => SyncExecutor,
  ) {}

  async push(queue: string, payload: string): Promise<void> {
    await this.execute()(this.connectionName, queue, payload);
  }

  async pushMany(queue: string, payloads: string[]): Promise<void> {
    for (const payload of payloads) await this.push(queue, payload);
  }

  /** As Laravel's sync queue, a delay is not honoured: the job runs now. */
  async later(queue: string, payload: string): Promise<void> {
    await this.push(queue, payload);
  }

  async pop(): Promise<ReservedJob[]> {
    return [];
  }

  async waitForJobs(): Promise<void> {}
  async ack(): Promise<void> {}
  async release(): Promise<boolean> {
    return false;
  }
  async extend(): Promise<ReservedJob[]> {
    return [];
  }
  async size(): Promise<number> {
    return 0;
  }
  async sizes(): Promise<QueueSizes> {
    return { ready: 0, delayed: 0, reserved: 0 };
  }
  async clear(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
