import { RedisQueueDriver } from '../../lib/drivers/redis/redis-queue.driver';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { deletePrefix, inspectRedis, testRedisUrl, uniquePrefix } from '../support/test-redis';
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
