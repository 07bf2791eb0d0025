import 'reflect-metadata';
import { createServer, Server, Socket } from 'node:net';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import {
  Bus, FailedJobs, Job, JobContext, JobProcessed, Limit, Looping, Middleware, QueueEvents, QueueModule, QueueModuleOptions,
  RateLimited, RateLimiter, ThrottlesExceptions, WithoutOverlapping, Worker, job,
} from '../../lib';
import { runQueueCli } from '../../lib/cli/run-queue-cli';
import { AtomicStores } from '../../lib/stores/atomic-stores';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { uniquePrefix, waitUntil } from '../support/test-redis';

/**
 * Every feature of API.md sections 2–6 on a database connection on SQLite, with no Redis at all: the configured
 * Redis servers point at a tripwire (a TCP server that only counts who dials it), and the test ends by checking that
 * nothing did — no Redis connection was even attempted.
 */

const ran: string[] = [];
let inside = 0;
let maxInside = 0;
let gate: (() => void) | null = null;

@Job({ name: 'NoRedisLimited' })
@Middleware(new RateLimited('no-redis-reports'))
class LimitedJob {
  async handle(data: { n: number }): Promise<void> {
    ran.push(`limited:${data.n}`);
  }
}

@Job({ name: 'NoRedisOverlap', tries: 0 })
@Middleware((data: { n: number }) => new WithoutOverlapping(`event-${data.n >= 0 ? 'shared' : data.n}`))
class OverlapJob {
  async handle(data: { n: number }): Promise<void> {
    inside++;
    maxInside = Math.max(maxInside, inside);
    ran.push(`overlap:${data.n}:start`);
    if (data.n === 0) await new Promise<void>((resolve) => (gate = resolve));
    ran.push(`overlap:${data.n}:end`);
    inside--;
  }
}

@Job({ name: 'NoRedisThrottled', tries: 10 })
@Middleware(new ThrottlesExceptions(2, 600))
class ThrottledJob {
  async handle(): Promise<void> {
    ran.push('throttled');
    throw new Error('the API is down');
  }
}

@Job({ name: 'NoRedisUnique', unique: { id: (d: { id: string }) => d.id, for: 3600 } })
class UniqueJob {
  async handle(data: { id: string }): Promise<void> {
    ran.push(`unique:${data.id}`);
  }
}

@Job({ name: 'NoRedisMaxExceptions', tries: 10, maxExceptions: 2 })
class MaxExceptionsJob {
  async handle(): Promise<void> {
    ran.push('max-exceptions');
    throw new Error('still failing');
  }
}

@Job({ name: 'NoRedisStep' })
class StepJob {
  async handle(data: { name: string; fail?: boolean }, ctx: JobContext): Promise<void> {
    if (data.fail) throw new Error(`${data.name} failed`);
    ran.push(`step:${data.name}${ctx.batchId ? ':batch' : ''}`);
  }
}

/** A TCP server that counts connections and closes each at once: Redis config points here. */
async function tripwire(): Promise<{ url: string; dials: () => number; close: () => Promise<void> }> {
  let dials = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    dials++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    dials: () => dials,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function collect(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('no Redis: every feature on a SQLite database connection', () => {
  let database: TestDatabase;
  let wire: Awaited<ReturnType<typeof tripwire>>;
  let app: INestApplicationContext;
  let options: QueueModuleOptions;
  let bus: Bus;
  let worker: Worker;
  const processed: string[] = [];
  const released: string[] = [];

  const work = () => worker.run({ connection: 'database', stopWhenEmpty: true, sleep: 0, memory: 0 });

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    wire = await tripwire();
    options = {
      default: 'database',
      redis: { queue: { url: wire.url }, default: { url: wire.url } },
      databases: { sqlite: database.options },
      failed: { driver: 'database', database: 'sqlite', table: 'failed_jobs' },
      prefix: uniquePrefix('no-redis'),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRoot(options)],
      providers: [LimitedJob, OverlapJob, ThrottledJob, UniqueJob, MaxExceptionsJob, StepJob],
    }).compile();
    app = await moduleRef.init();
    bus = app.get(Bus);
    worker = app.get(Worker);
    app.get(QueueEvents).on(JobProcessed, (event) => {
      (event.job?.isReleased() ? released : processed).push(event.job?.name ?? '?');
    });
  });

  afterAll(async () => {
    await app?.close();
    // Last, after everything the app did (and closing it): nothing ever dialled the Redis servers.
    expect(wire.dials()).toBe(0);
    await wire.close();
    await database?.drop();
    RateLimiter.forget('no-redis-reports');
  });

  beforeEach(() => {
    ran.length = 0;
    processed.length = 0;
    released.length = 0;
  });

  it('the tripwire counts a Redis client dialling it (so the final check can fail)', async () => {
    const other = await tripwire();
    const client = new Redis(other.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    client.on('error', () => undefined);
    client.connect().catch(() => undefined);
    await waitUntil(() => other.dials() > 0, 'the tripwire to see the dial');
    client.disconnect();
    await other.close();
  });

  it('RateLimited: two of four jobs run in the window, the others are released until it ends', async () => {
    RateLimiter.for('no-redis-reports', () => Limit.perMinute(2));
    for (let n = 1; n <= 4; n++) await bus.dispatch(LimitedJob, { n });
    await work();
    expect(ran).toEqual(['limited:1', 'limited:2']);
    expect(released.filter((name) => name === 'NoRedisLimited')).toHaveLength(2);
    expect(await app.get(AtomicStores).forConnection('database').windowTooMany(`${options.prefix}limiter:no-redis-reports:60:${md5('no-redis-reports')}`, 2, 60)).toMatchObject({ tooManyAttempts: true });
  });

  it('WithoutOverlapping: a second job with the key waits (released) until the first is done, never running beside it', async () => {
    inside = 0;
    maxInside = 0;
    await bus.dispatch(OverlapJob, { n: 0 });
    await bus.dispatch(OverlapJob, { n: 1 });
    const running = worker.run({ connection: 'database', stopWhenEmpty: true, sleep: 0, memory: 0, concurrency: 2 });
    await waitUntil(() => gate !== null && released.includes('NoRedisOverlap'), 'the second job to be released while the first holds the lock');
    expect(ran).toEqual(['overlap:0:start']);
    gate?.();
    await running;
    expect(maxInside).toBe(1);
    expect(ran.slice(0, 2)).toEqual(['overlap:0:start', 'overlap:0:end']);
    expect(ran).toContain('overlap:1:end');
  });

  it('ThrottlesExceptions: after two exceptions the job is held back without running', async () => {
    await bus.dispatch(ThrottledJob, {});
    await work();
    expect(ran).toEqual(['throttled', 'throttled']);
    expect(await app.get(FailedJobs).all()).toHaveLength(0);
    // Released after each exception (backoff 0), then a third time, without running, until the window ends.
    expect(released).toEqual(['NoRedisThrottled', 'NoRedisThrottled', 'NoRedisThrottled']);
    const window = await app.get(AtomicStores).forConnection('database').windowTooMany(`${options.prefix}throttles-exceptions:NoRedisThrottled`, 2, 600);
    expect(window.tooManyAttempts).toBe(true);
  });

  it('unique jobs: a second dispatch while the first is queued sends nothing; after it ran, it may be sent again', async () => {
    const first = await bus.dispatch(UniqueJob, { id: 'u1' });
    expect(typeof first).toBe('string');
    expect(await bus.dispatch(UniqueJob, { id: 'u1' })).toBeNull();
    expect(typeof (await bus.dispatch(UniqueJob, { id: 'u2' }))).toBe('string');
    await work();
    expect(ran.sort()).toEqual(['unique:u1', 'unique:u2']);
    expect(typeof (await bus.dispatch(UniqueJob, { id: 'u1' }))).toBe('string');
    await work();
  });

  it('maxExceptions: the job fails for good after its second exception, though tries are left', async () => {
    const id = await bus.dispatch(MaxExceptionsJob, {});
    await work();
    expect(ran).toEqual(['max-exceptions', 'max-exceptions']);
    const failed = await app.get(FailedJobs).find(id as string);
    expect(failed?.exception).toMatch(/MaxExceptionsExceeded|2 exceptions/);
  });

  it('batches: then and finally when all succeed; catch and finally when one fails', async () => {
    const ok = await bus
      .batch([job(StepJob, { name: 'a' }), job(StepJob, { name: 'b' })])
      .then(job(StepJob, { name: 'then' }))
      .catch(job(StepJob, { name: 'catch' }))
      .finally(job(StepJob, { name: 'finally' }))
      .dispatch();
    await work();
    expect(ran.filter((r) => !/step:[ab]:/.test(r))).toEqual(['step:then:batch', 'step:finally:batch']);
    expect((await bus.findBatch(ok.id))?.finished()).toBe(true);

    ran.length = 0;
    const bad = await bus
      .batch([job(StepJob, { name: 'c' }), job(StepJob, { name: 'd', fail: true })])
      .then(job(StepJob, { name: 'then' }))
      .catch(job(StepJob, { name: 'catch' }))
      .finally(job(StepJob, { name: 'finally' }))
      .dispatch();
    await work();
    expect(ran).toContain('step:catch:batch');
    expect(ran).toContain('step:finally:batch');
    expect(ran).not.toContain('step:then:batch');
    const found = await bus.findBatch(bad.id);
    expect(found?.failedJobs).toBe(1);
  });

  it('chains: links run in order; a failing link drops the rest and runs catch; the failure is recorded', async () => {
    await bus.chain([job(StepJob, { name: 'one' }), job(StepJob, { name: 'two' }), job(StepJob, { name: 'three' })]).dispatch();
    await work();
    expect(ran).toEqual(['step:one', 'step:two', 'step:three']);

    ran.length = 0;
    await bus
      .chain([job(StepJob, { name: 'one' }), job(StepJob, { name: 'boom', fail: true }), job(StepJob, { name: 'never' })])
      .catch(job(StepJob, { name: 'chain-catch' }))
      .dispatch();
    await work();
    expect(ran).toEqual(['step:one', 'step:chain-catch']);
    const failed = await app.get(FailedJobs).all();
    expect(failed.some((record) => record.exception.includes('boom failed'))).toBe(true);
  });

  it('pause, continue and restart through the CLI reach a running worker through the database', async () => {
    @Module({ imports: [QueueModule.forRoot(options)] })
    class CliAppModule {}
    const cli = async (...argv: string[]) => {
      const out = collect();
      const err = collect();
      const code = await runQueueCli({ argv, appModule: { module: CliAppModule }, io: { stdout: out.stream, stderr: err.stream } });
      return { code, out: out.text(), err: err.text() };
    };

    expect(await cli('pause', 'database:default')).toMatchObject({ code: 0, out: expect.stringContaining('paused') });
    // Each turn of the loop says which queues it serves: none while `default` is paused.
    const turns: string[] = [];
    const off = app.get(QueueEvents).on(Looping, (event) => turns.push(event.queue));
    const running = worker.run({ connection: 'database', sleep: 0.05, memory: 0 });
    await bus.dispatch(StepJob, { name: 'while-paused' });
    const seen = turns.length;
    await waitUntil(() => turns.length >= seen + 5, 'five turns of the paused worker after the dispatch');
    expect(turns.slice(seen)).toEqual(expect.arrayContaining(['']));
    expect(turns.slice(seen).every((queues) => queues === '')).toBe(true);
    expect(ran).toEqual([]);
    expect(await cli('continue', 'database:default')).toMatchObject({ code: 0 });
    await waitUntil(() => ran.includes('step:while-paused'), 'the job to run once the queue is continued');
    const restart = await cli('restart');
    expect(restart).toMatchObject({ code: 0, out: expect.stringContaining('Broadcasting queue restart signal.'), err: '' });
    expect(await running).toBe('restart');
    off();
  });
});

function md5(text: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).createHash('md5').update(text).digest('hex');
}
