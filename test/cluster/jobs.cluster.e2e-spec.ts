import {
  Job, JobContext, Limit, Middleware, RateLimited, RateLimiter, SkipIfBatchCancelled, ThrottlesExceptions, WithoutOverlapping, job,
} from '../../lib';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { waitUntil } from '../support/test-redis';
import { ClusterTestApp, createClusterApp } from './support/cluster-app';
import { queuesOnDistinctMasters } from './support/cluster-queues';

jest.setTimeout(120000);

/**
 * Jobs, middleware, unique locks, chains, batches and the failed store on a 3-master cluster, with the queues of
 * each case on three different masters: once under the default prefix, once under an app prefix.
 */
const events: string[] = [];
let running = 0;
let overlapped = false;

@Job({ name: 'cluster-step' })
class Step {
  async handle(data: { name: string; fail?: boolean }, ctx: JobContext): Promise<void> {
    if (data.fail) throw new Error(`${data.name} failed`);
    events.push(`${data.name}@${ctx.queue}`);
  }
}

@Job({ name: 'cluster-chunk' })
@Middleware(new SkipIfBatchCancelled())
class Chunk {
  async handle(data: { index: number; fail?: boolean }, ctx: JobContext): Promise<void> {
    if (data.fail) throw new Error(`chunk ${data.index} failed`);
    events.push(`chunk:${data.index}@${ctx.queue}`);
  }
}

@Job({ name: 'cluster-callback' })
class Callback {
  async handle(data: { kind: string }, ctx: JobContext): Promise<void> {
    events.push(`${data.kind}@${ctx.queue}`);
  }
}

RateLimiter.for('cluster-two-per-minute', (ctx) => Limit.perMinute(2).by((ctx.data as { group: string }).group));

@Job({ name: 'cluster-rated', tries: 0 })
@Middleware(new RateLimited('cluster-two-per-minute'))
class Rated {
  async handle(data: { group: string; n: number }): Promise<void> {
    events.push(`rated:${data.n}`);
  }
}

@Job({ name: 'cluster-overlap', tries: 0 })
@Middleware<{ key: string; n: number }>((d) => new WithoutOverlapping(d.key))
class Overlap {
  async handle(data: { key: string; n: number }): Promise<void> {
    running += 1;
    if (running > 1) overlapped = true;
    await new Promise((r) => setTimeout(r, 100));
    running -= 1;
    events.push(`overlap:${data.n}`);
  }
}

@Job({ name: 'cluster-flaky', tries: 0 })
@Middleware(new ThrottlesExceptions(2, 60).by('cluster-flaky'))
class Flaky {
  async handle(): Promise<void> {
    events.push('flaky');
    throw new Error('the dependency is down');
  }
}

@Job({ name: 'cluster-unique', unique: { id: (d: { id: string }) => d.id } })
class Unique {
  async handle(data: { id: string }): Promise<void> {
    events.push(`unique:${data.id}`);
  }
}

const providers = [Step, Chunk, Callback, Rated, Overlap, Flaky, Unique];

let cluster: OwnedRedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

describe.each([
  ['the default prefix', undefined],
  ['an app prefix', 'app-one:'],
])('on a Redis Cluster with %s', (_label, prefix) => {
  let t: ClusterTestApp;
  let q: string[] = [];

  beforeAll(async () => {
    q = await queuesOnDistinctMasters(cluster, prefix ?? '', 3, 'jobs');
  });

  beforeEach(async () => {
    events.length = 0;
    running = 0;
    overlapped = false;
    await cluster.flushAll();
    t = await createClusterApp(cluster, providers, prefix === undefined ? {} : { prefix });
  });

  afterEach(() => t.close());

  const work = (queues: string[], extra: Parameters<ClusterTestApp['worker']['run']>[0] = {}) =>
    t.worker.run({ queue: queues.join(','), stopWhenEmpty: true, sleep: 0, tries: 1, ...extra });

  it('places each queue under its own hash tag, on three different masters', async () => {
    const masters = await Promise.all(q.map((name) => cluster.masterPortOf(queueKeys(prefix ?? '', name, true).ready)));
    expect(new Set(masters).size).toBe(3);
    await t.bus.dispatch(Step, { name: 'placed' }).onQueue(q[0]);
    const ready = `${prefix ?? ''}queues:{${q[0]}}`;
    // The `{horizon}` slot's keys (the set of queues with job records, written by the first push) are not the queue's.
    const queueKeysOn = async (port: number) => (await cluster.keysOn(port)).filter((k) => !k.includes('{horizon}'));
    expect(await queueKeysOn(masters[0])).toEqual([ready, `${ready}:notify`]);
    expect(await queueKeysOn(masters[1])).toEqual([]);
  });

  it('works queues on different masters strictly in order', async () => {
    await t.bus.dispatch(Step, { name: 'low' }).onQueue(q[2]);
    await t.bus.dispatch(Step, { name: 'mid' }).onQueue(q[1]);
    await t.bus.dispatch(Step, { name: 'high-1' }).onQueue(q[0]);
    await t.bus.dispatch(Step, { name: 'later' }).onQueue(q[0]).delay(5); // not due while the others run, even on a loaded machine
    await t.bus.dispatch(Step, { name: 'high-2' }).onQueue(q[0]);
    await work(q);
    expect(events).toEqual([`high-1@${q[0]}`, `high-2@${q[0]}`, `mid@${q[1]}`, `low@${q[2]}`]);
    await waitUntil(async () => {
      await work(q);
      return events.includes(`later@${q[0]}`);
    }, 'the delayed job to run', 30_000);
  });

  it('runs a chain whose links sit on three masters, and its catch job on failure', async () => {
    await t.bus.chain([job(Step, { name: 'a' }).onQueue(q[0]), job(Step, { name: 'b' }).onQueue(q[1]), job(Step, { name: 'c' }).onQueue(q[2])]).dispatch();
    await work(q);
    expect(events).toEqual([`a@${q[0]}`, `b@${q[1]}`, `c@${q[2]}`]);

    events.length = 0;
    await t.bus
      .chain([job(Step, { name: 'x' }).onQueue(q[2]), job(Step, { name: 'y', fail: true }).onQueue(q[0]), job(Step, { name: 'z' }).onQueue(q[1])])
      .catch(job(Callback, { kind: 'chain-catch' }).onQueue(q[1]))
      .dispatch();
    await work(q);
    expect(events).toEqual([`x@${q[2]}`, `chain-catch@${q[1]}`]);
  });

  it('runs a batch spread over three masters, then its callbacks; a failure reaches catch and the failed store', async () => {
    const batch = await t.bus
      .batch([0, 1, 2, 3, 4, 5].map((index) => job(Chunk, { index }).onQueue(q[index % 3])))
      .then(job(Callback, { kind: 'then' }).onQueue(q[2]))
      .finally(job(Callback, { kind: 'finally' }).onQueue(q[0]))
      .dispatch();
    await work(q);
    expect(events.filter((e) => e.startsWith('chunk')).length).toBe(6);
    expect(events.filter((e) => !e.startsWith('chunk')).sort()).toEqual([`finally@${q[0]}`, `then@${q[2]}`].sort());
    expect((await t.bus.findBatch(batch.id))?.finished()).toBe(true);

    events.length = 0;
    const failing = await t.bus
      .batch([job(Chunk, { index: 10 }).onQueue(q[1]), job(Chunk, { index: 11, fail: true }).onQueue(q[2])])
      .allowFailures()
      .catch(job(Callback, { kind: 'catch' }).onQueue(q[0]))
      .dispatch();
    await work(q);
    expect(events.sort()).toEqual([`catch@${q[0]}`, `chunk:10@${q[1]}`].sort());
    const found = await t.bus.findBatch(failing.id);
    expect([found?.failedJobs, found?.pendingJobs]).toEqual([1, 1]);
    const failed = await t.failed.all();
    expect(failed.map((r) => r.queue)).toEqual([q[2]]);
    // Retried from the failed store: back on its own queue, and gone from the store.
    await t.failed.retry('all');
    expect(await t.failed.all()).toEqual([]);
    expect(await t.manager.connection().size(q[2])).toBe(1);
  });

  it('keeps a failed job in the failed store and pushes it back to its queue on retry', async () => {
    await t.bus.dispatch(Step, { name: 'doomed', fail: true }).onQueue(q[1]);
    await work(q);
    const [record] = await t.failed.all();
    expect(record.queue).toBe(q[1]);
    expect(await t.failed.ids(q[1])).toEqual([record.id]);
    await t.failed.retry([record.id]);
    expect(await t.manager.connection().size(q[1])).toBe(1);
  });

  it('rate-limits with a named limiter: two runs, the rest released for later', async () => {
    for (let n = 0; n < 4; n++) await t.bus.dispatch(Rated, { group: 'g', n }).onQueue(q[n % 3]);
    await work(q);
    expect(events.length).toBe(2);
    const sizes = await Promise.all(q.map((name) => t.manager.connection().sizes(name)));
    expect(sizes.reduce((n, s) => n + s.delayed, 0)).toBe(2);
  });

  it('never runs two jobs with the same WithoutOverlapping key at once, across masters', async () => {
    for (let n = 0; n < 4; n++) await t.bus.dispatch(Overlap, { key: 'shared', n }).onQueue(q[n % 3]);
    await waitUntil(async () => {
      await work(q, { concurrency: 4 });
      return events.length === 4;
    }, 'all four overlapping jobs to run');
    expect(overlapped).toBe(false);
  });

  it('throttles exceptions: after two failures the job waits out the decay instead of running', async () => {
    await t.bus.dispatch(Flaky, {}).onQueue(q[0]);
    await work(q, { tries: 0 });
    expect(events).toEqual(['flaky', 'flaky']);
    expect((await t.manager.connection().sizes(q[0])).delayed).toBe(1);
  });

  it('holds a unique lock across masters: a second dispatch is refused until the first ran', async () => {
    expect(await t.bus.dispatch(Unique, { id: 'u1' }).onQueue(q[0])).not.toBeNull();
    expect(await t.bus.dispatch(Unique, { id: 'u1' }).onQueue(q[1])).toBeNull();
    await work(q);
    expect(events).toEqual(['unique:u1']);
    expect(await t.bus.dispatch(Unique, { id: 'u1' }).onQueue(q[2])).not.toBeNull();
  });
});
