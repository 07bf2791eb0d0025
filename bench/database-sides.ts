import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, DatabaseOptions, Job, QueueManager, QueueModule, Worker } from '../lib';
import { HandlerCounter, jobData, sleep } from './side';

/** One contender of the database bench; every method starts from an empty queue and leaves it empty. */
export interface DatabaseSide {
  readonly name: string;
  /** The side starts a job only at its polling interval (pg-boss): its latency is a series of its own, of fewer samples. */
  readonly polls?: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  /** `n` dispatches, each awaited before the next; ms. */
  singleDispatch(n: number): Promise<number>;
  /** `n` dispatches in flight at once (as many concurrent requests of an app would send); ms. */
  concurrentDispatch(n: number): Promise<number>;
  /** How many jobs its processing scenario at `concurrency` takes (`n` unless the side is too slow for it). */
  processCount(n: number, concurrency: number): number;
  /** Queues `n` jobs, untimed. */
  fill(n: number): Promise<void>;
  /** One worker at `concurrency` takes the `n` queued jobs: ms from its start to the n-th handler call. */
  process(n: number, concurrency: number): Promise<number>;
  /**
   * A worker at concurrency 1 started on the empty queue, idle once this resolves (SETTLE_MS after its start); the latency
   * scenario sends it one job at a time and times each from the send to its handler's start (bench/database.ts).
   */
  idleWorker(): Promise<IdleWorker>;
}

/** A side's idle worker: `send` queues one job as the side's own client does (awaited); `stop` ends the worker. */
export interface IdleWorker {
  send(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** How long (ms) a started worker is left to reach its idle wait before the first job is sent. */
export const SETTLE_MS = 300;

export const dbCounter = new HandlerCounter();

@Job({ name: 'noop' })
export class NoopDbJob {
  handle(_data: { userId: number; action: string }): void {
    dbCounter.hit();
  }
}

/** nestjs-queue's database connection through its public API, in a Nest application context. */
export class OursDatabaseSide implements DatabaseSide {
  private app: INestApplicationContext | null = null;
  private bus!: Bus;
  private worker!: Worker;

  constructor(
    readonly name: string,
    private readonly database: DatabaseOptions,
  ) {}

  async open(): Promise<void> {
    const database = this.database;
    @Module({
      imports: [
        QueueModule.forRoot({
          default: 'db',
          // No Redis is used by this app; a closed port keeps any stray client off the machine's Redis.
          redis: { queue: { url: 'redis://127.0.0.1:1' }, default: { url: 'redis://127.0.0.1:1' } },
          databases: { bench: database },
          connections: { db: { driver: 'database', connection: 'bench', queue: 'bench', retryAfter: 90, blockFor: 5 } },
          failed: { driver: 'null' },
          batching: { driver: 'database', database: 'bench' },
        }),
      ],
      providers: [NoopDbJob],
    })
    class DatabaseBenchModule {}
    this.app = await NestFactory.createApplicationContext(DatabaseBenchModule, { logger: ['error', 'warn'] });
    await this.app.init();
    this.bus = this.app.get(Bus);
    this.worker = this.app.get(Worker);
    await this.app.get(QueueManager).connection().size('bench');
  }

  async close(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }

  processCount(n: number): number {
    return n;
  }

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.bus.dispatch(NoopDbJob, jobData(i));
    const ms = performance.now() - t0;
    await this.app?.get(QueueManager).connection().clear('bench');
    return ms;
  }

  async concurrentDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => this.bus.dispatch(NoopDbJob, jobData(i))));
    const ms = performance.now() - t0;
    await this.app?.get(QueueManager).connection().clear('bench');
    return ms;
  }

  async fill(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, k) => this.bus.dispatch(NoopDbJob, jobData(i + k))));
    }
  }

  async process(n: number, concurrency: number): Promise<number> {
    const done = dbCounter.expect(n);
    const t0 = performance.now();
    const run = this.worker.run({ concurrency, stopWhenEmpty: true, sleep: 0, memory: 0, blockFor: 0 });
    const t1 = await done;
    const reason = await run;
    if (reason !== 'empty') throw new Error(`the worker stopped with ${reason}`);
    return t1 - t0;
  }

  async idleWorker(): Promise<IdleWorker> {
    const run = this.worker.run({ concurrency: 1, sleep: 1, memory: 0 });
    await sleep(SETTLE_MS);
    return {
      send: async (i) => void (await this.bus.dispatch(NoopDbJob, jobData(i))),
      stop: async () => {
        await this.worker.stop();
        await run;
      },
    };
  }
}

type PgBossModule = typeof import('pg-boss');
type PgBossInstance = InstanceType<PgBossModule>;

/** pg-boss (its defaults; workers polling at its shortest interval, 0.5 s). */
export class PgBossSide implements DatabaseSide {
  readonly name = 'pg-boss';
  readonly polls = true;
  private boss!: PgBossInstance;
  private readonly queue = 'bench';

  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const PgBoss = require('pg-boss') as PgBossModule;
    this.boss = new PgBoss({ connectionString: this.url, supervise: false, schedule: false, max: 10 });
    this.boss.on('error', (error: Error) => process.stderr.write(`pg-boss: ${error.message}\n`));
    await this.boss.start();
    await this.boss.createQueue(this.queue);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
  }

  /**
   * pg-boss 10 waits out its polling interval after every fetch, so a worker takes `batchSize` jobs per 0.5 s at
   * best: 20 fetches per concurrency slot keep a run near 10 s.
   */
  processCount(n: number, concurrency: number): number {
    return Math.min(n, 20 * concurrency);
  }

  private async empty(): Promise<void> {
    await this.boss.purgeQueue(this.queue);
  }

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.boss.send(this.queue, jobData(i));
    const ms = performance.now() - t0;
    await this.empty();
    return ms;
  }

  async concurrentDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => this.boss.send(this.queue, jobData(i))));
    const ms = performance.now() - t0;
    await this.empty();
    return ms;
  }

  async fill(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1000) {
      await this.boss.insert(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: this.queue, data: jobData(i + k) })));
    }
  }

  /** One worker fetching `concurrency` jobs at a time and running them at once (pg-boss's batchSize). */
  async process(n: number, concurrency: number): Promise<number> {
    const done = dbCounter.expect(n);
    const t0 = performance.now();
    const id = await this.boss.work(this.queue, { batchSize: concurrency, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      await Promise.all(jobs.map(async () => dbCounter.hit()));
    });
    const t1 = await done;
    await this.boss.offWork({ id });
    await this.empty();
    return t1 - t0;
  }

  async idleWorker(): Promise<IdleWorker> {
    const id = await this.boss.work(this.queue, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async () => dbCounter.hit());
    await sleep(SETTLE_MS);
    return {
      send: async (i) => void (await this.boss.send(this.queue, jobData(i))),
      stop: async () => {
        await this.boss.offWork({ id });
        await this.empty();
      },
    };
  }
}

type GraphileModule = typeof import('graphile-worker');

/** graphile-worker (LISTEN/NOTIFY and its own prepared statements). */
export class GraphileSide implements DatabaseSide {
  readonly name = 'graphile-worker';
  private utils!: Awaited<ReturnType<GraphileModule['makeWorkerUtils']>>;
  private graphile!: GraphileModule;

  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.graphile = require('graphile-worker') as GraphileModule;
    this.utils = await this.graphile.makeWorkerUtils({ connectionString: this.url, logger: quietGraphileLogger(this.graphile) });
    await this.utils.migrate();
  }

  async close(): Promise<void> {
    await this.utils.release();
  }

  processCount(n: number): number {
    return n;
  }

  private async empty(): Promise<void> {
    await this.utils.withPgClient((client) => client.query('DELETE FROM graphile_worker._private_jobs'));
  }

  async singleDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await this.utils.addJob('noop', jobData(i));
    const ms = performance.now() - t0;
    await this.empty();
    return ms;
  }

  async concurrentDispatch(n: number): Promise<number> {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => this.utils.addJob('noop', jobData(i))));
    const ms = performance.now() - t0;
    await this.empty();
    return ms;
  }

  async fill(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1000) {
      await this.utils.addJobs(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ identifier: 'noop', payload: jobData(i + k) })));
    }
  }

  private start(concurrency: number) {
    return this.graphile.run({
      connectionString: this.url,
      concurrency,
      maxPoolSize: Math.max(10, concurrency + 2),
      noHandleSignals: true,
      pollInterval: 1000,
      logger: quietGraphileLogger(this.graphile),
      taskList: { noop: async () => dbCounter.hit() },
    });
  }

  async process(n: number, concurrency: number): Promise<number> {
    const done = dbCounter.expect(n);
    const t0 = performance.now();
    const runner = await this.start(concurrency);
    const t1 = await done;
    await runner.stop();
    await this.empty();
    return t1 - t0;
  }

  async idleWorker(): Promise<IdleWorker> {
    const runner = await this.start(1);
    await sleep(SETTLE_MS);
    return {
      send: async (i) => void (await this.utils.addJob('noop', jobData(i))),
      stop: async () => {
        await runner.stop();
        await this.empty();
      },
    };
  }
}

function quietGraphileLogger(graphile: GraphileModule) {
  return new graphile.Logger(() => (level: string, message: string) => {
    if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
  });
}
