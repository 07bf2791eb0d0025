import { Logger } from '@nestjs/common';
import { JobProcessed, JobProcessing } from '../events/queue-event.classes';
import type { QueueEvents } from '../events/queue-events.service';
import type { JobContext } from '../worker/job-context.interface';
import type { Measurement, MetricsRepository } from './metrics-repository';

/** How often a worker sends what it measured (ms). */
const FLUSH_EVERY_MS = 1000;

/**
 * A supervised worker's metrics: each job's runtime (JobProcessing to JobProcessed) added up in memory per job name
 * and per `connection:queue`, and sent to Redis once a second in one script call. No round trip is added to a
 * job's own path, whatever the concurrency: at 100 jobs/s that is one call for 100 jobs.
 */
export class MetricsRecorder {
  private readonly logger = new Logger('nestjs-queue:metrics');
  private readonly started = new WeakMap<JobContext, number>();
  private jobs = new Map<string, Measurement>();
  private queues = new Map<string, Measurement>();
  private timer: NodeJS.Timeout | null = null;
  private detach: (() => void)[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    private readonly events: QueueEvents,
    private readonly repository: MetricsRepository,
  ) {}

  start(): void {
    this.detach.push(
      this.events.on(JobProcessing, (event) => {
        this.started.set(event.job, performance.now());
      }),
      this.events.on(JobProcessed, (event) => {
        const began = this.started.get(event.job);
        if (began === undefined) return;
        this.started.delete(event.job);
        const ms = performance.now() - began;
        add(this.jobs, event.job.name, ms);
        add(this.queues, `${event.connectionName}:${event.job.queue}`, ms);
      }),
    );
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** Sends what was measured since the last flush. Measurements survive a failed send and go with the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.jobs.size === 0 && this.queues.size === 0) return;
      const jobs = this.jobs;
      const queues = this.queues;
      this.jobs = new Map();
      this.queues = new Map();
      try {
        await this.repository.record(jobs, queues);
        this.failing = false;
      } catch (error) {
        for (const [k, m] of jobs) merge(this.jobs, k, m);
        for (const [k, m] of queues) merge(this.queues, k, m);
        if (!this.failing) this.logger.warn(`Metrics could not be sent: ${error instanceof Error ? error.message : String(error)}. Kept for the next try.`);
        this.failing = true;
      }
    });
    return this.flushing;
  }

  /** Stops listening and sends the rest. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const off of this.detach.splice(0)) off();
    await this.flush();
  }
}

function add(map: Map<string, Measurement>, key: string, ms: number): void {
  const m = map.get(key);
  if (m) {
    m.count++;
    m.totalMs += ms;
  } else map.set(key, { count: 1, totalMs: ms });
}

function merge(map: Map<string, Measurement>, key: string, more: Measurement): void {
  const m = map.get(key);
  if (m) {
    m.count += more.count;
    m.totalMs += more.totalMs;
  } else map.set(key, { ...more });
}
