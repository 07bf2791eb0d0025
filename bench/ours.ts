import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, Job, QueueManager, QueueModule, Worker, job } from '../lib';
import { HandlerCounter, Side, jobData, sleep } from './side';

export const oursCounter = new HandlerCounter();

@Job({ name: 'noop' })
class NoopJob {
  handle(_data: { userId: number; action: string }): void {
    oursCounter.hit();
  }
}

/** nestjs-queue through its public API, in a real Nest application context, with its default guarantees on. */
export class OursSide implements Side {
  readonly name = 'nestjs-queue';
  private app: INestApplicationContext | null = null;
  private bus!: Bus;
  private worker!: Worker;

  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    const url = this.url;
    @Module({
      imports: [
        QueueModule.forRoot({
          redis: { queue: { url }, default: { url } },
          default: 'redis',
          connections: { redis: { driver: 'redis', connection: 'queue', queue: 'bench', blockFor: 5 } },
          failed: { driver: 'redis' },
          prefix: 'bench:',
        }),
      ],
      providers: [NoopJob],
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

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.bus.dispatch(NoopJob, jobData(i));
    return performance.now() - t0;
  }

  async fill(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.bus.dispatchMany(Array.from({ length: Math.min(10000, n - i) }, (_, k) => job(NoopJob, jobData(i + k))));
    }
  }

  async process(n: number, concurrency: number): Promise<number> {
    const done = oursCounter.expect(n);
    const t0 = performance.now();
    const run = this.worker.run({ concurrency, stopWhenEmpty: true, sleep: 0 });
    const t1 = await done;
    const reason = await run;
    if (reason !== 'empty') throw new Error(`the worker stopped with ${reason}`);
    return t1 - t0;
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
