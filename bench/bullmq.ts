import { FlowProducer, Job as BullJob, Queue, Worker, WorkerOptions } from 'bullmq';
import { HandlerCounter, ProcessOptions, Side, fillChunk, jobData, offerLoad, sleep } from './side';

export const bullCounter = new HandlerCounter();
/** The flow parent's handler: the batch's callback. */
export const bullThen = new HandlerCounter();

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

  async batch(n: number, concurrency: number, plain = false): Promise<{ dispatchMs: number; doneMs: number }> {
    const children = Array.from({ length: n }, (_, i) => ({ name: 'noop', queueName: 'bench', data: jobData(i) }));
    const flows = plain ? null : new FlowProducer({ connection: this.connection() });
    const worker = new Worker(
      'bench',
      async (job) => {
        if (job.name === 'batch-done') bullThen.hit();
        else bullCounter.hit();
      },
      { connection: this.connection(), concurrency, autorun: false },
    );
    await worker.waitUntilReady();
    await flows?.waitUntilReady();
    const done = plain ? bullCounter.expect(n) : bullThen.expect(1);
    if (!plain) bullCounter.expect(Infinity);
    const t0 = performance.now();
    if (flows) await flows.add({ name: 'batch-done', queueName: 'bench', children });
    else await this.q.addBulk(children.map(({ name, data }) => ({ name, data })));
    const dispatchMs = performance.now() - t0;
    const run = worker.run();
    const t1 = await done;
    await worker.close();
    await run;
    await flows?.close();
    return { dispatchMs, doneMs: t1 - t0 };
  }

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.q.add('noop', jobData(i));
    return performance.now() - t0;
  }

  async fill(n: number, padBytes = 0): Promise<void> {
    const chunk = fillChunk(padBytes);
    for (let i = 0; i < n; i += chunk) {
      await this.q.addBulk(Array.from({ length: Math.min(chunk, n - i) }, (_, k) => ({ name: 'noop', data: jobData(i + k, padBytes) })));
    }
  }

  private worker(concurrency: number, options: Partial<WorkerOptions> = {}): Worker {
    return new Worker(
      'bench',
      async (job: BullJob<{ userId: number }>) => {
        bullCounter.hit(job.data.userId);
      },
      { connection: this.connection(), concurrency, autorun: false, ...options },
    );
  }

  /** BullMQ has one config: `options.defaults` changes nothing; `options.partial` is how it stops anyway (closed after the n-th). */
  async process(n: number, concurrency: number, _options?: ProcessOptions): Promise<number> {
    return this.timedRun(n, this.worker(concurrency));
  }

  /** Runs `worker`: ms from its start to the `n`-th handler call; then closes it. */
  private async timedRun(n: number, worker: Worker): Promise<number> {
    await worker.waitUntilReady();
    const done = bullCounter.expect(n);
    const t0 = performance.now();
    const run = worker.run();
    const t1 = await done;
    await worker.close();
    await run;
    return t1 - t0;
  }

  async fillPriorities(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.q.addBulk(
        Array.from({ length: Math.min(10000, n - i) }, (_, k) => ({ name: 'noop', data: jobData(i + k), opts: { priority: ((i + k) % 4) + 1 } })),
      );
    }
  }

  /** One queue, one worker: BullMQ's priorities are its strict order within a queue (four queues would need four workers, in no order). */
  processPriorities(n: number, concurrency: number): Promise<number> {
    return this.timedRun(n, this.worker(concurrency));
  }

  async fillFlaky(n: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.q.addBulk(Array.from({ length: Math.min(10000, n - i) }, (_, k) => ({ name: 'flaky', data: jobData(i + k), opts: { attempts: 2 } })));
    }
  }

  processFlaky(n: number, concurrency: number): Promise<number> {
    const worker = new Worker(
      'bench',
      async (job: BullJob<{ userId: number }>) => {
        if (job.attemptsMade === 0) throw new Error('the first attempt fails');
        bullCounter.hit(job.data.userId);
      },
      { connection: this.connection(), concurrency, autorun: false },
    );
    return this.timedRun(n, worker);
  }

  async fillDelayed(n: number, seconds: number): Promise<void> {
    for (let i = 0; i < n; i += 10000) {
      await this.q.addBulk(Array.from({ length: Math.min(10000, n - i) }, (_, k) => ({ name: 'noop', data: jobData(i + k), opts: { delay: seconds * 1000 } })));
    }
  }

  async abandon(n: number): Promise<void> {
    await this.fill(n);
    // A worker that takes jobs by hand and dies: nothing extends its 1 s locks.
    const dying = new Worker('bench', null, { connection: this.connection(), lockDuration: 1000, autorun: false });
    await dying.waitUntilReady();
    for (let i = 0; i < n; i++) {
      if (!(await dying.getNextJob('dead-worker', { block: false }))) throw new Error(`only ${i} of the ${n} jobs could be taken`);
    }
    const lapsedAt = performance.now() + 1000;
    await dying.close(true);
    await sleep(lapsedAt - performance.now() + 50);
  }

  /** The stalled-job check is what takes abandoned jobs back: at its shortest useful interval here, 1 s (default 30 s). */
  recover(n: number, concurrency: number): Promise<number> {
    return this.timedRun(n, this.worker(concurrency, { stalledInterval: 1000 }));
  }

  async sustained(rate: number, seconds: number, concurrency: number): Promise<{ latencies: number[]; offered: number }> {
    bullCounter.expect(Infinity);
    const worker = this.worker(concurrency);
    await worker.waitUntilReady();
    const run = worker.run();
    await sleep(200);
    try {
      return await offerLoad(bullCounter, rate, seconds, (i) => this.q.add('noop', jobData(i)));
    } finally {
      await worker.close();
      await run;
    }
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
