import {
  InvalidQueueNameError, Job, JobContext, JobFailed, JobProcessed, JobQueued, QueueConfigError, QueueModuleOptions,
} from '../../lib';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { pausedKey } from '../../lib/worker/control-keys';
import { LegacyQueueDrain } from '../../lib/drivers/redis/legacy-drain';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { createFixtureApp, fixtureRecords } from '../reliability/support/fixture-app';
import { WorkerProcess } from '../reliability/support/worker-process';
import { SleepJob } from '../fixtures/worker-process/fixture-jobs';

const handled: string[] = [];

@Job()
class Note {
  async handle(data: { n: number }, job: JobContext): Promise<void> {
    handled.push(`${data.n}@${job.queue}`);
  }
}

@Job({ tries: 1 })
class Broken {
  async handle(): Promise<void> {
    throw new Error('broken on purpose');
  }
}

/** The seed's connection: jobs without onQueue go to `{default}`. */
const SEED: QueueModuleOptions = { connections: { redis: { driver: 'redis', connection: 'queue', queue: '{default}' } } };

const work = (t: QueueTestApp, queue: string) => t.worker.run({ queue, stopWhenEmpty: true, sleep: 0 });

describe('queue names', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    handled.length = 0;
    t = await createQueueApp([Note, Broken], SEED);
  });
  afterEach(() => t.close());

  describe('a name and its hash-tagged form are one queue', () => {
    it('a worker on "critical,high,default" takes a job dispatched to the default {default} queue', async () => {
      const queued: string[] = [];
      const processed: string[] = [];
      t.events.on(JobQueued, (e) => void queued.push(e.queue));
      t.events.on(JobProcessed, (e) => void processed.push(e.job.queue));
      await t.bus.dispatch(Note, { n: 1 });
      expect(await t.manager.connection().size('default')).toBe(1);
      await work(t, 'critical,high,default');
      expect(handled).toEqual(['1@default']);
      expect(queued).toEqual(['default']);
      expect(processed).toEqual(['default']);
      expect(await t.manager.connection().size('{default}')).toBe(0);
    });

    it('a worker on {emails} takes jobs sent to emails, and a list naming both forms serves the queue once', async () => {
      await t.bus.dispatch(Note, { n: 1 }).onQueue('emails');
      await t.bus.dispatch(Note, { n: 2 }).onQueue('{emails}');
      await t.bus.dispatch(Note, { n: 3 }).onQueue(' emails ');
      await work(t, '{emails},emails');
      expect(handled).toEqual(['1@emails', '2@emails', '3@emails']);
    });

    it('records a failed job under the one name, and retries it by either form', async () => {
      const failedOn: string[] = [];
      t.events.on(JobFailed, (e) => void failedOn.push(e.job.queue));
      const id = await t.bus.dispatch(Broken, {} as never);
      await work(t, 'default');
      expect(failedOn).toEqual(['default']);
      expect((await t.failed.find(id as string))?.queue).toBe('default');
      expect(await t.failed.ids('{default}')).toEqual([id]);
      expect(await t.failed.retry('all', { queue: '{default}' })).toEqual([id]);
      expect(await t.manager.connection().size('default')).toBe(1);
    });

    it('pauses a queue by either form', () => {
      expect(pausedKey(t.prefix, 'redis', 'default')).toBe(pausedKey(t.prefix, 'redis', '{default}'));
      expect(pausedKey(t.prefix, 'redis', '{default}')).toBe(`${t.prefix}illuminate:queue:paused:redis:{default}`);
      expect(pausedKey(t.prefix, 'a', 'b:c')).not.toBe(pausedKey(t.prefix, 'a:b', 'c'));
    });

    it('keys every queue under its own tag, so all keys of one queue share one cluster slot', () => {
      const slotTag = (key: string) => {
        const open = key.indexOf('{');
        const close = key.indexOf('}', open + 1);
        return key.slice(open + 1, close);
      };
      for (const name of ['default', '{default}', 'x:notify', 'a{b}c', '{a}b']) {
        const k = queueKeys('p:', name);
        const tags = new Set([k.ready, k.delayed, k.reserved, k.notify, k.wake].map(slotTag));
        expect(tags.size).toBe(1);
        expect([...tags][0]).not.toBe('');
      }
      expect(queueKeys('p:', '{default}')).toEqual(queueKeys('p:', 'default'));
      expect(queueKeys('p:', 'default').ready).toBe('p:queues:{default}');
    });
  });

  describe('no name reaches another queue\'s keys', () => {
    it('jobs on "x:notify" are run by its own worker; queue x\'s worker takes none and records no failure', async () => {
      for (const n of [1, 2, 3]) await t.bus.dispatch(Note, { n }).onQueue('x:notify');
      for (const n of [4, 5]) await t.bus.dispatch(Note, { n }).onQueue('x');
      await work(t, 'x');
      expect(handled).toEqual(['4@x', '5@x']);
      expect(await t.manager.connection().size('x:notify')).toBe(3);
      await work(t, 'x:notify');
      expect(handled).toEqual(['4@x', '5@x', '1@x:notify', '2@x:notify', '3@x:notify']);
      expect(await t.failed.ids()).toEqual([]);
    });

    it('a queue named "y:reserved" never makes queue y\'s worker fail on WRONGTYPE', async () => {
      for (const n of [1, 2]) await t.bus.dispatch(Note, { n }).onQueue('y:reserved');
      await t.bus.dispatch(Note, { n: 3 }).onQueue('y');
      await t.bus.dispatch(Note, { n: 4 }).onQueue('y:delayed');
      expect(await t.worker.run({ queue: 'y', stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
      expect(handled).toEqual(['3@y']);
      await work(t, 'y,y:reserved,y:delayed');
      expect(handled).toEqual(['3@y', '1@y:reserved', '2@y:reserved', '4@y:delayed']);
      expect(await t.failed.ids()).toEqual([]);
    });
  });

  describe('names no worker could serve are refused', () => {
    it('at dispatch, with an InvalidQueueNameError that says what to do', async () => {
      await expect(t.bus.dispatch(Note, { n: 1 }).onQueue('a,b')).rejects.toThrow(InvalidQueueNameError);
      await expect(t.bus.dispatch(Note, { n: 1 }).onQueue('a,b')).rejects.toThrow(/contains a comma.*use another character/);
      await expect(t.bus.dispatch(Note, { n: 1 }).onQueue('  ')).rejects.toThrow(/is empty; give the queue a name/);
      await expect(t.bus.dispatch(Note, { n: 1 }).onQueue('}x')).rejects.toThrow(/starts with "}"/);
      expect(await t.manager.connection().size('default')).toBe(0);
    });

    it('at worker start and in the configuration', async () => {
      await expect(t.worker.run({ queue: 'high,}x', stopWhenEmpty: true })).rejects.toThrow(InvalidQueueNameError);
      await expect(
        createQueueApp([Note], { connections: { redis: { driver: 'redis', connection: 'queue', queue: 'a,b' } } }),
      ).rejects.toThrow(QueueConfigError);
    });
  });
});

describe('jobs left on the keys of the old layout', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    handled.length = 0;
    t = await createQueueApp([Note], SEED);
  });
  afterEach(() => t.close());

  /** Payloads as a worker would find them: dispatched to a scratch queue and taken off it again. */
  async function payloads(...ns: number[]): Promise<string[]> {
    for (const n of ns) await t.bus.dispatch(Note, { n }).onQueue('scratch');
    const k = queueKeys(t.prefix, 'scratch');
    const raw = await t.redis.lrange(k.ready, 0, -1);
    await t.redis.del(k.ready, k.notify);
    return raw;
  }

  it('are moved to the queue\'s keys and run: ready in order, due delayed, expired reservations; live ones stay', async () => {
    const [p1, p2, p3, p4, p5] = await payloads(1, 2, 3, 4, 5);
    const old = `${t.prefix}queues:emails`;
    const now = Number((await t.redis.time())[0]);
    await t.redis.rpush(old, p1, p2);
    await t.redis.zadd(`${old}:delayed`, now - 10, p3);
    await t.redis.zadd(`${old}:reserved`, now - 10, p4);
    await t.redis.zadd(`${old}:reserved`, now + 3600, p5);
    await t.bus.dispatch(Note, { n: 6 }).onQueue('emails');

    expect(await t.manager.connection().sizes('emails')).toEqual({ ready: 4, delayed: 1, reserved: 0 });
    await work(t, 'emails');
    expect(handled.slice(0, 2)).toEqual(['1@emails', '2@emails']);
    expect([...handled].sort()).toEqual(['1@emails', '2@emails', '3@emails', '4@emails', '6@emails']);
    expect(await t.redis.exists(old, `${old}:delayed`)).toBe(0);
    // A reservation of a worker of the old version that is still running stays where that worker acks it.
    expect(await t.redis.zrange(`${old}:reserved`, '0', '-1')).toEqual([p5]);
  });

  it('are looked for again while a queue is served, for producers of the old release in a rolling deploy', async () => {
    const [p1, p2] = await payloads(1, 2);
    const drain = new LegacyQueueDrain(t.redis, t.prefix, false, 50);
    const k = queueKeys(t.prefix, 'emails');
    await t.redis.rpush(`${t.prefix}queues:emails`, p1);
    await drain.before(['emails']);
    expect(await t.redis.lrange(k.ready, 0, -1)).toEqual([p1]);
    await t.redis.rpush(`${t.prefix}queues:emails`, p2);
    await waitUntil(async () => {
      await drain.before(['emails']);
      return (await t.redis.llen(k.ready)) === 2;
    }, 'the second old-layout job to be moved');
    expect(await t.redis.lrange(k.ready, 0, -1)).toEqual([p1, p2]);
    expect(await t.redis.llen(k.notify)).toBe(2);
  });

  it('moves a backlog larger than one script call in order, ahead of jobs queued since the upgrade', async () => {
    const old = Array.from({ length: 2500 }, (_, i) => `{"v":1,"old":${i}}`);
    await t.redis.rpush(`${t.prefix}queues:big`, ...old);
    const k = queueKeys(t.prefix, 'big');
    await t.redis.rpush(k.ready, '{"v":1,"new":0}');
    await new LegacyQueueDrain(t.redis, t.prefix, false).before(['big']);
    expect(await t.redis.lrange(k.ready, 0, -1)).toEqual([...old, '{"v":1,"new":0}']);
    expect(await t.redis.llen(k.notify)).toBe(2500);
    expect(await t.redis.exists(`${t.prefix}queues:big`)).toBe(0);
  });

  it('moves only payloads off a list the old layout shared with another queue\'s wake-up tokens', async () => {
    const [p1] = await payloads(1);
    await t.redis.rpush(`${t.prefix}queues:x:notify`, '1', p1, '1');
    await work(t, 'x:notify');
    expect(handled).toEqual(['1@x:notify']);
    expect(await t.failed.ids()).toEqual([]);
  });

  it('are drained by a worker process started as the README shows, with jobs sent by the seed config', async () => {
    const prefix = uniquePrefix('names');
    const app = await createFixtureApp(testRedisUrl(), prefix, 90, {
      connections: { redis: { driver: 'redis', connection: 'queue', queue: '{default}' } },
    });
    try {
      const ids = [await app.bus.dispatch(SleepJob, {}), await app.bus.dispatch(SleepJob, {})];
      // One job the previous release left on `queues:default`, the key a worker on `default` used to read.
      const k = queueKeys(prefix, 'default');
      const [legacy] = await app.redis.lrange(k.ready, 0, 0);
      await app.redis.lpop(k.ready);
      await app.redis.lpop(k.notify);
      await app.redis.rpush(`${prefix}queues:default`, legacy);
      const worker = new WorkerProcess({ redisUrl: testRedisUrl(), prefix, worker: { queue: 'critical,high,default', stopWhenEmpty: true, sleep: 0 } });
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect((await fixtureRecords(app)).done.sort()).toEqual([...ids].sort());
    } finally {
      await app.close();
    }
  });
});
