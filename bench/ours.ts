import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, Job, JobContext, QueueManager, QueueModule, ReservedJob, Worker, WorkerOptions, job } from '../lib';
import { HandlerCounter, PRIORITY_QUEUES, ProcessOptions, Side, fillChunk, jobData, offerLoad, sleep } from './side';

export const oursCounter = new HandlerCounter();

@Job({ name: 'noop' })
export class NoopJob {
  handle(data: { userId: number; action: string; pad?: string }): void {
    oursCounter.hit(data.userId);
  }
}

/** Throws on its first attempt, succeeds on its second (no backoff): the retry scenario. */
@Job({ name: 'flaky', tries: 2, backoff: 0 })
class FlakyJob {
  handle(data: { userId: number; action: string }, context: JobContext): void {
    if (context.attempts === 1) throw new Error('the first attempt fails');
    oursCounter.hit(data.userId);
  }
}

/** The connection whose reservations lapse after 1 s: the abandoned-reservations scenario. */
const SHORT = 'short';

/** The batch's `then` callback: says when it ran. */
export const oursThen = new HandlerCounter();

@Job({ name: 'batch-done' })
class BatchDoneJob {
  handle(): void {
    oursThen.hit();
  }
}

/** nestjs-queue through its public API, in a real Nest application context, with its default guarantees on. */
export class OursSide implements Side {
  readonly name: string;
  private app: INestApplicationContext | null = null;
  private bus!: Bus;
  private worker!: Worker;

  /** `records`: `horizon.records` (default true, as an app's); `name` labels the side in a comparison. */
  constructor(
    private readonly url: string,
    private readonly options: { records?: boolean; name?: string } = {},
  ) {
    this.name = options.name ?? 'nestjs-queue';
  }

  async open(): Promise<void> {
    const url = this.url;
    @Module({
      imports: [
        QueueModule.forRoot({
          redis: { queue: { url }, default: { url } },
          default: 'redis',
          connections: {
            redis: { driver: 'redis', connection: 'queue', queue: 'bench', blockFor: 5 },
            [SHORT]: { driver: 'redis', connection: 'queue', queue: 'bench', blockFor: 5, retryAfter: 1 },
          },
          failed: { driver: 'redis' },
          prefix: 'bench:',
          ...(this.options.records === undefined ? {} : { horizon: { records: this.options.records } }),
        }),
      ],
      providers: [NoopJob, BatchDoneJob, FlakyJob],
    })
    class BenchModule {}
    this.app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
    await this.app.init();
    this.bus = this.app.get(Bus);
    this.worker = this.app.get(Worker);
    // Connect the shared client before any clock runs.
    await this.app.get(QueueManager).connection().size('bench');
  }

  async close(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }

  async bulkDispatch(n: number): Promise<number> {
    const jobs = Array.from({ length: n }, (_, i) => job(NoopJob, jobData(i)));
    const t0 = performance.now();
    await this.bus.dispatchMany(jobs);
    return performance.now() - t0;
  }

  async batch(n: number, concurrency: number, plain = false): Promise<{ dispatchMs: number; doneMs: number }> {
    const jobs = Array.from({ length: n }, (_, i) => job(NoopJob, jobData(i)));
    const done = plain ? oursCounter.expect(n) : oursThen.expect(1);
    if (!plain) oursCounter.expect(Infinity);
    const t0 = performance.now();
    if (plain) await this.bus.dispatchMany(jobs);
    else await this.bus.batch(jobs).then(job(BatchDoneJob, {})).dispatch();
    const dispatchMs = performance.now() - t0;
    const run = this.worker.run({ concurrency, sleep: 0 });
    const t1 = await done;
    this.worker.stop();
    await run;
    return { dispatchMs, doneMs: t1 - t0 };
  }

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.bus.dispatch(NoopJob, jobData(i));
    return performance.now() - t0;
  }

  async fill(n: number, padBytes = 0): Promise<void> {
    const chunk = fillChunk(padBytes);
    for (let i = 0; i < n; i += chunk) {
      await this.bus.dispatchMany(Array.from({ length: Math.min(chunk, n - i) }, (_, k) => job(NoopJob, jobData(i + k, padBytes))));
    }
  }

  async process(n: number, concurrency: number, options: ProcessOptions = {}): Promise<number> {
    // The defaults: no blockFor (the connection's is overridden by the library's null), the default sleep.
    const config: WorkerOptions = options.defaults ? { blockFor: null } : { sleep: 0 };
    const until: WorkerOptions = options.partial ? { maxJobs: n } : { stopWhenEmpty: true };
    return this.timedRun(n, { concurrency, ...config, ...until }, options.partial ? 'max-jobs' : 'empty');
  }

  /** Runs the worker with `options`: ms from its start to the `n`-th handler call; checks why it stopped. */
  private async timedRun(n: number, options: WorkerOptions, expected: string): Promise<number> {
    const done = oursCounter.expect(n);
    const t0 = performance.now();
    const run = this.worker.run(options);
    const t1 = await done;
    const reason = await run;
    if (reason !== expected) throw new Error(`the worker stopped with ${reason}`);
    return t1 - t0;
  }

  async fillPriorities(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.bus.dispatchMany(
        Array.from({ length: Math.min(10000, n - i) }, (_, k) => job(NoopJob, jobData(i + k)).onQueue(PRIORITY_QUEUES[(i + k) % 4])),
      );
    }
  }

  processPriorities(n: number, concurrency: number): Promise<number> {
    return this.timedRun(n, { queue: PRIORITY_QUEUES.join(','), concurrency, stopWhenEmpty: true, sleep: 0 }, 'empty');
  }

  async fillFlaky(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.bus.dispatchMany(Array.from({ length: Math.min(10000, n - i) }, (_, k) => job(FlakyJob, jobData(i + k))));
    }
  }

  processFlaky(n: number, concurrency: number): Promise<number> {
    return this.timedRun(n, { concurrency, stopWhenEmpty: true, sleep: 0 }, 'empty');
  }

  async fillDelayed(n: number, seconds: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.bus.dispatchMany(Array.from({ length: Math.min(10000, n - i) }, (_, k) => job(NoopJob, jobData(i + k)).delay(seconds)));
    }
  }

  async abandon(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.bus.dispatchMany(Array.from({ length: Math.min(10000, n - i) }, (_, k) => job(NoopJob, jobData(i + k)).onConnection(SHORT)));
    }
    const driver = this.app?.get(QueueManager).connection(SHORT);
    if (!driver) throw new Error('not open');
    const taken: ReservedJob[] = [];
    while (taken.length < n) {
      const jobs = await driver.pop(['bench'], Math.min(100, n - taken.length));
      if (jobs.length === 0) throw new Error(`only ${taken.length} of the ${n} jobs could be reserved`);
      taken.push(...jobs);
    }
    const lapsedAt = performance.now() + driver.retryAfter * 1000;
    await sleep(lapsedAt - performance.now() + 50);
  }

  recover(n: number, concurrency: number): Promise<number> {
    // The reservations already count one attempt each: tries 0 (unlimited) so the second is not a failure.
    return this.timedRun(n, { connection: SHORT, concurrency, tries: 0, stopWhenEmpty: true, sleep: 0 }, 'empty');
  }

  async sustained(rate: number, seconds: number, concurrency: number): Promise<{ latencies: number[]; offered: number }> {
    oursCounter.expect(Infinity);
    const run = this.worker.run({ concurrency, sleep: 0 });
    await sleep(200);
    try {
      return await offerLoad(oursCounter, rate, seconds, (i) => Promise.resolve(this.bus.dispatch(NoopJob, jobData(i))));
    } finally {
      this.worker.stop();
      await run;
    }
  }

  async latency(n: number, idle?: () => Promise<void>): Promise<number[]> {
    oursCounter.expect(Infinity);
    const run = this.worker.run({ concurrency: 1, sleep: 0 });
    await sleep(200);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (idle) await idle();
      const started = oursCounter.next();
      const t0 = performance.now();
      await this.bus.dispatch(NoopJob, jobData(i));
      out.push((await started) - t0);
      // Let the worker finish the job and go back to waiting: the next job meets an idle worker.
      await sleep(2);
    }
    this.worker.stop();
    await run;
    return out;
  }
}
