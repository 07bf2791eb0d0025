import { Queue, Worker } from 'bullmq';
import { HandlerCounter, Side, jobData, sleep } from './side';

export const bullCounter = new HandlerCounter();

/** BullMQ 6 with its defaults (completed jobs kept, events stream, stalled-job checks, a blocking worker). */
export class BullSide implements Side {
  readonly name = 'BullMQ';
  private queue: Queue | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private connection() {
    return { host: this.host, port: this.port, maxRetriesPerRequest: null };
  }

  async open(): Promise<void> {
    this.queue = new Queue('bench', { connection: this.connection() });
    await this.queue.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.queue?.close();
    this.queue = null;
  }

  private get q(): Queue {
    if (!this.queue) throw new Error('not open');
    return this.queue;
  }

  async bulkDispatch(n: number): Promise<number> {
    const jobs = Array.from({ length: n }, (_, i) => ({ name: 'noop', data: jobData(i) }));
    const t0 = performance.now();
    await this.q.addBulk(jobs);
    return performance.now() - t0;
  }

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.q.add('noop', jobData(i));
    return performance.now() - t0;
  }

  async fill(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.q.addBulk(Array.from({ length: Math.min(10000, n - i) }, (_, k) => ({ name: 'noop', data: jobData(i + k) })));
    }
  }

  private worker(concurrency: number): Worker {
    return new Worker(
      'bench',
      async () => {
        bullCounter.hit();
      },
      { connection: this.connection(), concurrency, autorun: false },
    );
  }

  async process(n: number, concurrency: number): Promise<number> {
    const worker = this.worker(concurrency);
    await worker.waitUntilReady();
    const done = bullCounter.expect(n);
    const t0 = performance.now();
    const run = worker.run();
    const t1 = await done;
    await worker.close();
    await run;
    return t1 - t0;
  }

  async latency(n: number, idle?: () => Promise<void>): Promise<number[]> {
    bullCounter.expect(Infinity);
    const worker = this.worker(1);
    await worker.waitUntilReady();
    const run = worker.run();
    await sleep(200);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (idle) await idle();
      const started = bullCounter.next();
      const t0 = performance.now();
      await this.q.add('noop', jobData(i));
      out.push((await started) - t0);
      await sleep(2);
    }
    await worker.close();
    await run;
    return out;
  }
}
