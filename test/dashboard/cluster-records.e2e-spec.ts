import { Job } from '../../lib';
import { JobRecordsRepository } from '../../lib/dashboard/job-records.repository';
import { WaitingJobFinder } from '../../lib/dashboard/records/waiting-job-finder';
import { QUEUE_CONFIG } from '../../lib/queue.constants';
import { RedisConnections } from '../../lib/redis/redis-connections';
import type { ResolvedQueueConfig } from '../../lib/config/resolved-config.interface';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { ClusterTestApp, createClusterApp } from '../cluster/support/cluster-app';
import { queuesOnDistinctMasters } from '../cluster/support/cluster-queues';

jest.setTimeout(120000);

@Job({ name: 'cluster-dash-waits' })
class Waits {
  async handle(_: { n: number }): Promise<void> {}
}

@Job({ name: 'cluster-dash-fails', tries: 1, tags: (d: { n: number }) => [`n:${d.n}`] })
class Fails {
  async handle(_: { n: number }): Promise<void> {
    throw new Error('refused on the cluster');
  }
}

describe('the dashboard on a Redis Cluster (queues on three masters)', () => {
  let cluster: OwnedRedisCluster;
  let t: ClusterTestApp;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('finds waiting jobs by id, lists them newest first across masters, and forget and flush clear the failed page', async () => {
    const prefix = 'dash:';
    const [a, b, c] = await queuesOnDistinctMasters(cluster, prefix, 3, 'dash');
    t = await createClusterApp(cluster, [Waits, Fails], { prefix });
    const records = JobRecordsRepository.of(t.app);
    const waiting = WaitingJobFinder.of(t.app.get<ResolvedQueueConfig>(QUEUE_CONFIG, { strict: false }), t.app.get(RedisConnections, { strict: false }));

    const ids: string[] = [];
    for (let n = 0; n < 9; n++) ids.push((await t.bus.dispatch(Waits, { n }).onQueue([a, b, c][n % 3]))!);
    const pending = await records.pending();
    expect(pending.jobs.map((j) => j.id)).toEqual([...ids].reverse());
    for (const [n, id] of ids.entries()) expect(await waiting.find(id)).toMatchObject({ id, status: 'pending', queue: [a, b, c][n % 3], data: { n } });

    await t.worker.run({ queue: [a, b, c].join(','), stopWhenEmpty: true, sleep: 0 });
    const failedIds = [(await t.bus.dispatch(Fails, { n: 1 }).onQueue(a))!, (await t.bus.dispatch(Fails, { n: 2 }).onQueue(b))!, (await t.bus.dispatch(Fails, { n: 3 }).onQueue(c))!];
    await t.worker.run({ queue: [a, b, c].join(','), stopWhenEmpty: true, sleep: 0 });
    expect((await records.failed()).total).toBe(3);

    expect(await t.failed.forget(failedIds[1])).toBe(true);
    expect((await records.failed()).jobs.map((j) => j.id).sort()).toEqual([failedIds[0], failedIds[2]].sort());
    expect((await records.failed({ tag: 'n:2' })).total).toBe(0);
    expect(await records.find(failedIds[1])).toBeNull();

    expect(await t.failed.flush()).toBe(2);
    expect(await records.failed()).toEqual({ jobs: [], total: 0 });
    expect((await records.failed({ tag: 'n:1' })).total).toBe(0);
  });
});
