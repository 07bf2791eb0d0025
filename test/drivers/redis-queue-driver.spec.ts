import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { deletePrefix, inspectRedis, sleep, testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { describeQueueDriverContract } from './queue-driver.contract';

const connections = new RedisConnections({ redis: { default: { url: testRedisUrl() } } });
const prefixes: string[] = [];

afterAll(async () => {
  await connections.closeAll();
  const redis = inspectRedis();
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

describeQueueDriverContract(
  'Redis (single server)',
  async ({ retryAfter, prefix }) => {
    prefixes.push(prefix);
    return new RedisQueueDriver(connections, { connectionName: 'redis', server: 'default', prefix, retryAfter, blockFor: null });
  },
  { high: 'high', low: 'low', other: 'other' },
);

describe('Redis driver: a worker\'s slots popping in one tick', () => {
  const job = (label: string) => `{"v":1,"uuid":"${label}-${Math.random()}","job":"Split","data":{"label":"${label}"}}`;
  const labelOf = (raw: string) => (JSON.parse(raw) as { data: { label: string } }).data.label;

  /** The reserve calls over queue split (EVALSHA, its ready list the first key) Redis ran while `fn` ran, each as the number it asked for. */
  async function reserveCalls(prefix: string, fn: () => Promise<unknown>): Promise<number[]> {
    const watcher = inspectRedis();
    const marker = inspectRedis();
    const monitor = await watcher.monitor();
    const asked: number[] = [];
    let seeEnd: () => void = () => undefined;
    const end = new Promise<void>((resolve) => (seeEnd = resolve));
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0].toLowerCase() === 'echo' && args[1] === `end-${prefix}`) return seeEnd();
      // reserve.lua: sha, number of keys, 5 keys per queue (ready first), then retryAfter, count, queues, ...
      if (args[0].toLowerCase() === 'evalsha' && args[3] === `${prefix}queues:{split}`) {
        asked.push(Number(args[3 + Number(args[2]) + 1]));
      }
    });
    try {
      await fn();
      await marker.echo(`end-${prefix}`);
      await end;
    } finally {
      monitor.disconnect();
      watcher.disconnect();
      marker.disconnect();
    }
    return asked;
  }

  it('ten pops with no call of theirs in flight go as two calls of five, the first five getting the first jobs', async () => {
    const prefix = `${uniquePrefix('split')}:`;
    prefixes.push(prefix);
    const driver = new RedisQueueDriver(connections, { connectionName: 'redis', server: 'default', prefix, retryAfter: 60, blockFor: null });
    const labels = Array.from({ length: 10 }, (_, i) => `j${i}`);
    await driver.pushMany('split', labels.map(job));
    let got: string[] = [];
    const asked = await reserveCalls(prefix, async () => {
      const popped = await Promise.all(labels.map(() => driver.pop(['split'], 1)));
      got = popped.map((jobs) => labelOf(jobs[0].raw));
    });
    expect(asked).toEqual([5, 5]);
    expect(got).toEqual(labels);
    await driver.close();
  });

  it('pops made while a call of theirs is in flight, or fewer than eight, go as one call', async () => {
    const prefix = `${uniquePrefix('split')}:`;
    prefixes.push(prefix);
    const driver = new RedisQueueDriver(connections, { connectionName: 'redis', server: 'default', prefix, retryAfter: 60, blockFor: null });
    await driver.pushMany('split', Array.from({ length: 30 }, (_, i) => job(`k${i}`)));
    const asked = await reserveCalls(prefix, async () => {
      await Promise.all(Array.from({ length: 7 }, () => driver.pop(['split'], 1)));
      const inFlight = driver.pop(['split'], 1);
      await new Promise((resolve) => setImmediate(resolve));
      // The call above has been sent and has not answered yet: these ten join no split.
      const more = Promise.all(Array.from({ length: 10 }, () => driver.pop(['split'], 1)));
      await Promise.all([inFlight, more]);
    });
    expect(asked).toEqual([7, 1, 10]);
    await driver.close();
  });
});

describe('Redis driver: an idle wait', () => {
  const payload = () => `{"v":1,"uuid":"w-${Math.random()}","job":"Wait","data":{}}`;

  it('begun as its blocking client connects, lasts past the client\'s 5 s connect deadline and ends on the next push', async () => {
    const prefix = `${uniquePrefix('wait')}:`;
    prefixes.push(prefix);
    const driver = new RedisQueueDriver(connections, { connectionName: 'redis', server: 'default', prefix, retryAfter: 60, blockFor: 30 });
    // The first wait opens the blocking client: its BLPOP is sent before that client has connected.
    let ended = false;
    const waiting = driver.waitForJobs(['idle'], 30).then(() => void (ended = true));
    // ioredis ends a blocking command queued before its client connected after blockingTimeout (5 s), while Redis
    // goes on blocking it: the next wait then queues behind that one and a push's token goes to a reply nobody reads.
    await sleep(6000);
    expect(ended).toBe(false);
    await driver.push('idle', payload());
    await waitUntil(() => ended, 'the wait to end on the push', 10000);
    await waiting;
    const [first] = await driver.pop(['idle'], 1);
    expect(first).toBeDefined();
    // The next wait is Redis's one blocked command of this client: a push ends it.
    ended = false;
    const next = driver.waitForJobs(['idle'], 30).then(() => void (ended = true));
    await sleep(100);
    await driver.push('idle', payload());
    await waitUntil(() => ended, 'the next wait to end on the next push', 10000);
    await next;
    await driver.close();
  }, 30000);
});
