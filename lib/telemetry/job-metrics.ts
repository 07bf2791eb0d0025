import type { Counter, Histogram, Meter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import type { QueueSizes } from '../drivers/queue-driver.interface';
import { MeterSource } from './otel-sources';
import { MetricAttributes } from './metric-attributes';
import { ATTR, AttemptOutcome, MESSAGING_SYSTEM } from './telemetry.attributes';

/** Reads a queue's sizes for the gauge; null when the connection has none to read (the sync driver). */
export type QueueSizeReader = (connection: string, queue: string) => Promise<QueueSizes> | null;

/** Where and what one attempt was, for its metrics. */
export interface AttemptMetric {
  connection: string;
  queue: string;
  job: string;
  outcome: AttemptOutcome;
  /** Seconds the attempt took. */
  duration: number;
  /** The job failed for good with this attempt. */
  failed: boolean;
  errorType?: string;
}

interface Instruments {
  processed: Counter;
  failed: Counter;
  duration: Histogram;
  wait: Histogram;
  sizes: ObservableGauge;
}

/**
 * The queue's metrics, on the meter of the registered SDK (none while no SDK is registered):
 * - `nestjs_queue.jobs.processed` (counter): attempts run to an outcome, by job, queue, connection and outcome;
 * - `nestjs_queue.jobs.failed` (counter): jobs failed for good;
 * - `messaging.process.duration` (histogram, s): how long each attempt took;
 * - `nestjs_queue.job.wait_time` (histogram, s): from when a job was due (dispatch + delay) to its first attempt;
 * - `nestjs_queue.queue.size` (observable gauge): ready, delayed and reserved jobs of every queue this process
 *   has sent to or taken from, read when the SDK collects.
 */
export class JobMetrics {
  private instruments: Instruments | null = null;
  private readonly meters = new MeterSource((meter) => this.build(meter));
  /** `connection \0 queue` of every queue this process has sent to or taken from. */
  private readonly queues = new Set<string>();
  private readonly attributes = new MetricAttributes();
  private readonly observe = (result: ObservableResult) => this.observeSizes(result);
  private closed = false;

  constructor(private readonly readSizes: QueueSizeReader) {}

  /** True while a metrics SDK is registered (and the app is not closed). */
  active(): boolean {
    return !this.closed && this.meters.current() !== null;
  }

  /** The app is closing: the gauge stops reading its queues (their connections are about to close). */
  close(): void {
    this.closed = true;
    this.instruments?.sizes.removeCallback(this.observe);
    this.instruments = null;
  }

  /** Adds a queue to those the size gauge reports. */
  noteQueue(connection: string, queue: string): void {
    if (this.instruments) this.queues.add(`${connection}\0${queue}`);
  }

  attempt(m: AttemptMetric): void {
    const i = this.instruments;
    if (!i) return;
    i.processed.add(1, this.attributes.processed(m.connection, m.queue, m.job, m.outcome));
    i.duration.record(m.duration, this.attributes.duration(m.connection, m.queue, m.job, m.outcome, m.errorType));
    if (m.failed) i.failed.add(1, this.attributes.failed(m.connection, m.queue, m.job, m.errorType));
  }

  /** Seconds a job waited past its due time before its first attempt. */
  waited(connection: string, queue: string, job: string, seconds: number): void {
    this.instruments?.wait.record(seconds, this.attributes.waited(connection, queue, job));
  }

  private build(meter: Meter | null): void {
    this.instruments?.sizes.removeCallback(this.observe);
    this.instruments = null;
    if (!meter || this.closed) return;
    const sizes = meter.createObservableGauge('nestjs_queue.queue.size', {
      description: 'Jobs in a queue by state (ready, delayed, reserved), read when metrics are collected.',
      unit: '{job}',
    });
    sizes.addCallback(this.observe);
    this.instruments = {
      processed: meter.createCounter('nestjs_queue.jobs.processed', { description: 'Attempts run to an outcome.', unit: '{attempt}' }),
      failed: meter.createCounter('nestjs_queue.jobs.failed', { description: 'Jobs failed for good.', unit: '{job}' }),
      duration: meter.createHistogram('messaging.process.duration', { description: 'Duration of one attempt of a job.', unit: 's' }),
      wait: meter.createHistogram('nestjs_queue.job.wait_time', {
        description: 'Time from when a job was due (dispatch plus delay) to the start of its first attempt.',
        unit: 's',
      }),
      sizes,
    };
  }

  private async observeSizes(result: ObservableResult): Promise<void> {
    await Promise.all(
      [...this.queues].map(async (key) => {
        const [connection, queue] = key.split('\0');
        let sizes: QueueSizes | null;
        try {
          sizes = await this.readSizes(connection, queue);
        } catch {
          return; // Redis unreachable: no value this collection rather than a wrong one.
        }
        if (!sizes) return;
        const base = { [ATTR.system]: MESSAGING_SYSTEM, [ATTR.destination]: queue, [ATTR.connection]: connection };
        result.observe(sizes.ready, { ...base, [ATTR.queueState]: 'ready' });
        result.observe(sizes.delayed, { ...base, [ATTR.queueState]: 'delayed' });
        result.observe(sizes.reserved, { ...base, [ATTR.queueState]: 'reserved' });
      }),
    );
  }
}
