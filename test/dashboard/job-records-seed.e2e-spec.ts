import Redis from 'ioredis';
import { JobRecordsRepository } from '../../lib/dashboard/job-records.repository';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/test-redis';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seedDashboardData } = require('../../scripts/seed-dashboard-data') as {
  seedDashboardData(o: { url: string; prefix: string; waiting: number; completed: number; failed: number }): Promise<{ waiting: number }>;
};

jest.setTimeout(60000);

describe('the dashboard seed tool (scripts/seed-dashboard-data.js)', () => {
  let redis: Redis;
  const prefix = uniquePrefix('seed');
  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('writes waiting jobs and completed and failed records the repository reads as the scripts’ own', async () => {
    await seedDashboardData({ url: testRedisUrl(), prefix, waiting: 2500, completed: 300, failed: 200 });
    const records = new JobRecordsRepository([redis], prefix);

    const pending = await records.pending();
    expect(pending.total).toBe(2500);
    expect(pending.jobs).toHaveLength(50);
    expect(pending.jobs[0]).toMatchObject({ name: 'seed-job', queue: 'default', connection: 'redis', status: 'pending', data: { userId: 2499 } });

    const completed = await records.completed({ startingAt: 49 });
    expect(completed.total).toBe(300);
    expect(completed.jobs[0]).toMatchObject({ status: 'completed', index: 50, name: 'seed-job' });
    const times = (await records.completed()).jobs.map((j) => j.completedAt as number);
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const failed = await records.failed();
    expect(failed.total).toBe(200);
    expect(failed.jobs[0].exception).toContain('seeded failure');
    expect((await records.failed({ tag: 'user:199' })).jobs.map((j) => j.data)).toEqual([{ userId: 199, action: 'seeded' }]);
    expect(await records.find(failed.jobs[0].id)).toMatchObject({ id: failed.jobs[0].id, status: 'failed' });
    expect(await records.countRecentlyFailed(60)).toBe(200);
  });
});
