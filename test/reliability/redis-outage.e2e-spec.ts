import { createServer, Server, Socket } from 'node:net';
import { Job, QueueConnectionError } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { OwnedRedis, startRedisServer } from '../support/redis-server';
import { sleep, uniquePrefix, waitUntil } from '../support/test-redis';
import { createFixtureApp, fixtureRecords, heldJobs } from './support/fixture-app';
import { startWorker, WorkerProcess } from './support/worker-process';
import { takeDown } from './support/redis-down';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

/** RedisConnections' connect timeout: a dispatch must give up within about this long. */
const CONNECT_TIMEOUT_MS = 5000;

async function timed<T>(work: PromiseLike<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work;
    return { ms: Date.now() - started, error: null };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe.each([
  ['polling (blockFor null)', null],
  ['blocking (blockFor 1)', 1],
])('a %s worker process through Redis outages', (_label, blockFor) => {
  let redis: OwnedRedis;
  let t: QueueTestApp;
  let worker: WorkerProcess | null = null;
  beforeEach(async () => {
    redis = await startRedisServer({ appendonly: true });
    const prefix = uniquePrefix('outage');
    t = await createFixtureApp(redis.url, prefix);
    worker = await startWorker({ redisUrl: redis.url, prefix, blockFor, worker: { sleep: 0.1 } });
  });
  afterEach(async () => {
    await worker?.kill();
    await t.close();
    await redis.stop();
  });

  it('survives Redis stopping and starting again, logs each outage once and its end once, and goes on taking jobs', async () => {
    const w = worker as WorkerProcess;
    const dispatchAll = async (n: number) => {
      for (let i = 0; i < n; i++) await t.bus.dispatch(SleepJob, { ms: 2 });
    };
    await dispatchAll(5);
    await waitUntil(async () => (await fixtureRecords(t)).done.length === 5, 'the first 5 jobs');

    for (let outage = 1; outage <= 2; outage++) {
      await takeDown(redis);
      await w.waitForOutput(new RegExp(`(Queue connection redis failed: Redis is unreachable at 127\\.0\\.0\\.1:\\d+ \\(server "queue"\\): could not connect\\. Retrying until it is back\\.[\\s\\S]*){${outage}}`), 10000);
      await sleep(2500); // the worker keeps trying meanwhile: many failed polls, still one log line
      expect(w.running).toBe(true);
      await redis.restart();
      await w.waitForOutput(new RegExp(`(Queue connection redis is back\\.[\\s\\S]*){${outage}}`), 10000);
      await dispatchAll(5);
      await waitUntil(async () => (await fixtureRecords(t)).done.length === 5 + outage * 5, `the jobs sent after outage ${outage}`, 10000);
    }

    expect(w.count(/Queue connection redis failed: Redis is unreachable at 127\.0\.0\.1:\d+ \(server "queue"\): could not connect\. Retrying until it is back\./)).toBe(2);
    expect(w.count(/Queue connection redis is back\./)).toBe(2);
    expect(w.count(/ECONNREFUSED|Unhandled error event/)).toBe(0); // nothing else about the outages
    const { done } = await fixtureRecords(t);
    expect(new Set(done).size).toBe(15);
    await waitUntil(async () => (await heldJobs(t)).reserved === 0, 'the last reservation to be removed');

    w.signal('SIGTERM');
    expect(await w.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

@Job({ name: 'outage-probe' })
class Probe {
  handle(): void {}
}

describe('dispatch while Redis is unreachable', () => {
  let redis: OwnedRedis;
  let t: QueueTestApp;
  afterEach(async () => {
    await t.close();
    await redis?.stop();
  });

  it('rejects with QueueConnectionError within the connect timeout when Redis is down, and works again once it is back', async () => {
    redis = await startRedisServer({ appendonly: true });
    t = await createQueueApp([Probe], { redis: { queue: { url: redis.url }, default: { url: redis.url } }, prefix: uniquePrefix('down') });
    expect(await t.bus.dispatch(Probe, {})).toEqual(expect.any(String));
    await takeDown(redis);

    // Right after the drop, and again well into the outage (when ioredis has slowed its reconnect attempts down).
    for (const wait of [0, 3000]) {
      await sleep(wait);
      const { ms, error } = await timed(t.bus.dispatch(Probe, {}));
      expect(error).toBeInstanceOf(QueueConnectionError);
      expect((error as Error).message).toMatch(/^Could not dispatch outage-probe to redis:default: .*Check that Redis is running/);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1000);
    }

    await redis.restart();
    await waitUntil(async () => (await timed(t.bus.dispatch(Probe, {}))).error === null, 'a dispatch to succeed again', 10000);
    expect(await t.manager.connection().size('{default}')).toBe(2);
  });

  it('rejects with QueueConnectionError within the connect timeout when the server accepts the connection but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const address = silent.address();
    const url = `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    t = await createQueueApp([Probe], { redis: { queue: { url }, default: { url } }, prefix: uniquePrefix('silent') });
    try {
      const { ms, error } = await timed(t.bus.dispatch(Probe, {}));
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1000);
      expect(error).toBeInstanceOf(QueueConnectionError);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
