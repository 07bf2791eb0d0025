import Redis from 'ioredis';
import { Job } from '../../lib';
import { JobRecordsRepository } from '../../lib/dashboard/job-records.repository';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { OwnedRedis, startRedisServer } from '../support/redis-server';

jest.setTimeout(60000);

@Job({ name: 'rt-ok', tags: (d: { n: number }) => [`n:${d.n}`] })
class Ok {
  async handle(_: { n: number }): Promise<void> {}
}

@Job({ name: 'rt-plain' })
class Plain {
  async handle(_: { n: number }): Promise<void> {}
}

@Job({ name: 'rt-fails', tries: 1 })
class Fails {
  async handle(_: { n: number }): Promise<void> {
    throw new Error('no');
  }
}

/** The commands clients sent (or, with `inScripts`, those scripts ran inside Redis), by name, while `fn` ran. */
async function commandsDuring(url: string, fn: () => Promise<unknown>, inScripts = false): Promise<Record<string, number>> {
  const client = new Redis(url);
  const marker = new Redis(url);
  const monitor = await client.monitor();
  const counts: Record<string, number> = {};
  let closed = false;
  let sawEnd: () => void = () => undefined;
  const end = new Promise<void>((resolve) => (sawEnd = resolve));
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (closed) return;
    const name = args[0].toLowerCase();
    // MONITOR reports commands in the order the server ran them: once it reports the marker, it has reported fn's.
    if (name === 'echo' && args[1] === 'end-of-measure') return sawEnd();
    if ((source === 'lua') !== inScripts) return;
    counts[name] = (counts[name] ?? 0) + 1;
  });
  try {
    await fn();
    await marker.echo('end-of-measure');
    await end;
  } finally {
    closed = true;
    monitor.disconnect();
    client.disconnect();
    marker.disconnect();
  }
  // The worker reads its control keys (restart, paused) on a clock, not per job: not part of a job's round trips.
  delete counts.get;
  // Closing the worker's blocking connection at the end of the run: not a job's round trip either.
  delete counts.quit;
  return counts;
}

describe('job records ride on the round trips the queue makes anyway', () => {
  let server: OwnedRedis;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  async function measure(records: boolean): Promise<{ dispatch: Record<string, number>; work: Record<string, number> }> {
    const t: QueueTestApp = await createQueueApp([Ok, Fails, Plain], {
      redis: { queue: { url: server.url }, default: { url: server.url } },
      horizon: { records },
    });
    try {
      const work = () => t.worker.run({ stopWhenEmpty: true, sleep: 0, concurrency: 1 });
      // Warm up: scripts loaded, the queue registered as one with records (once per process).
      await t.bus.dispatch(Ok, { n: 0 });
      await t.bus.dispatch(Fails, { n: 0 });
      await t.bus.dispatch(Ok, { n: 0 }).delay(0);
      await work();
      const dispatch = await commandsDuring(server.url, async () => {
        for (let n = 1; n <= 6; n++) await t.bus.dispatch(Ok, { n });
        for (let n = 1; n <= 2; n++) await t.bus.dispatch(Fails, { n });
        await t.bus.dispatch(Ok, { n: 9 }).delay(0);
      });
      const worked = await commandsDuring(server.url, work);
      return { dispatch, work: worked };
    } finally {
      await t.close();
    }
  }

  it('sends as many commands per job at concurrency 1 with records on as with records off', async () => {
    const off = await measure(false);
    const on = await measure(true);
    expect(on.dispatch).toEqual(off.dispatch);
    expect(off.dispatch.evalsha).toBe(9); // one script call per dispatch
    // A failed job's ack is a ZREM without records and the ack script with them: one command either way.
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(on.work)).toBe(total(off.work));
    expect(off.work.zrem).toBe(2);
    expect(on.work.zrem ?? 0).toBe(0);
    expect(on.work.evalsha).toBe(off.work.evalsha + off.work.zrem);
  });

  it('records a finished job without tags with one HSET and one ZADD inside the script, reading nothing', async () => {
    const t: QueueTestApp = await createQueueApp([Ok, Fails, Plain], { redis: { queue: { url: server.url }, default: { url: server.url } } });
    try {
      const work = () => t.worker.run({ stopWhenEmpty: true, sleep: 0, concurrency: 1 });
      await t.bus.dispatch(Plain, { n: 0 });
      await work();
      for (let n = 1; n <= 5; n++) await t.bus.dispatch(Plain, { n });
      const inScripts = await commandsDuring(server.url, work, true);
      // At concurrency 1 each call acks one job: five calls write a record each.
      expect(inScripts.hset).toBe(5);
      expect(inScripts.zadd).toBe(5 + 5); // the records' completed list, and the reserved set of the queue itself
      expect(inScripts.get ?? 0).toBe(0);
      expect(inScripts.set ?? 0).toBe(0);
      expect(inScripts.hget ?? 0).toBe(0);
      expect(inScripts.exists ?? 0).toBe(0);
      expect((await JobRecordsRepository.of(t.app).completed()).total).toBe(6);
    } finally {
      await t.close();
    }
  });
});
