import Redis from 'ioredis';
import { MasterRegistry } from '../../lib/supervisor/master-registry';
import { takeDown } from '../reliability/support/redis-down';
import { createQueueApp } from '../support/queue-app';
import { OwnedRedis, startRedisServer } from '../support/redis-server';
import { uniquePrefix } from '../support/test-redis';
import { QuickJob, useSupervisorSuite, waitFor } from './support/supervisor-suite';

jest.setTimeout(150_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('supervise while Redis goes away', () => {
  const suite = useSupervisorSuite();
  let redis: OwnedRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('keeps its master and workers running through the outage, registers again and works jobs when Redis is back', async () => {
    const prefix = uniquePrefix('sup-outage');
    const master = suite.supervise({ test: { s: { queue: ['default'], balance: false, processes: 2, sleep: 0.2 } } }, ['--environment=test'], {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
    });
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await client.connect();
    const registry = new MasterRegistry(client, prefix);
    try {
      const [before] = await waitFor(async () => {
        const all = await registry.all();
        return all.length === 1 && all[0].supervisors[0].processes.default === 2 ? all : undefined;
      }, 60_000, () => master.stdout() + master.stderr());
      const pids = before.supervisors[0].pids;

      await takeDown(redis);
      await new Promise((r) => setTimeout(r, 4000));
      expect(master.child.exitCode).toBeNull();
      for (const pid of pids) expect(alive(pid)).toBe(true);
      await redis.restart();

      const [after] = await waitFor(async () => {
        try {
          const all = await registry.all();
          return all.length === 1 ? all : undefined;
        } catch {
          return undefined;
        }
      }, 60_000, () => master.stdout());
      expect(after.name).toBe(before.name);
      expect(after.supervisors[0].pids.sort()).toEqual([...pids].sort());
      expect(master.stdout()).toMatch(/Redis failed .* the workers keep running/);

      const t = await createQueueApp([QuickJob], {
        redis: { queue: { url: redis.url }, default: { url: redis.url } },
        default: 'redis',
        connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 3, blockFor: null } },
        prefix,
      });
      try {
        await t.bus.dispatch(QuickJob, { n: 1 });
        await waitFor(async () => ((await client.lrange(`${prefix}fixture:log`, 0, -1)).some((l) => l.startsWith('quick:1:')) ? true : undefined), 40_000, async () =>
          `${JSON.stringify(await t.manager.connection('redis').sizes('default'))} failed=${JSON.stringify(await t.failed.ids())}\n${master.stdout()}\n${master.stderr()}`);
      } finally {
        await t.close();
      }
    } finally {
      client.disconnect();
    }
  });
});
