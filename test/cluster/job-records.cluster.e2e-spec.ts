import { Job, job } from '../../lib';
import { JobRecordsRepository } from '../../lib/dashboard/job-records.repository';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { ClusterTestApp, createClusterApp } from './support/cluster-app';
import { queuesOnDistinctMasters } from './support/cluster-queues';

jest.setTimeout(120000);

@Job({ name: 'cluster-records-ok', tags: (d: { user: number }) => [`user:${d.user}`] })
class Ok {
  async handle(_: { user: number }): Promise<void> {}
}

@Job({ name: 'cluster-records-fails', tries: 1, tags: (d: { user: number }) => [`user:${d.user}`] })
class Fails {
  async handle(_: { user: number }): Promise<void> {
    throw new Error('refused on the cluster');
  }
}

describe('job records on a Redis Cluster (each queue’s records in its own slot, read across masters)', () => {
  let cluster: OwnedRedisCluster;
  let t: ClusterTestApp;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('writes and reads pending, completed, failed and monitored records of queues on three masters', async () => {
    const prefix = 'rec:';
    const [a, b, c] = await queuesOnDistinctMasters(cluster, prefix, 3, 'records');
    t = await createClusterApp(cluster, [Ok, Fails], { prefix });
    const records = JobRecordsRepository.of(t.app);
    await records.monitor('user:1');

    const ids: string[] = [];
    ids.push((await t.bus.dispatch(Ok, { user: 1 }).onQueue(a)) as string);
    ids.push((await t.bus.dispatch(Ok, { user: 2 }).onQueue(b)) as string);
    const failedId = (await t.bus.dispatch(Fails, { user: 1 }).onQueue(c)) as string;
    const many = (await t.bus.dispatchMany([job(Ok, { user: 3 }).onQueue(a), job(Ok, { user: 1 }).onQueue(c)])) as string[];

    const pending = await records.pending();
    expect(pending.total).toBe(5);
    expect(new Set(pending.jobs.map((j) => j.queue))).toEqual(new Set([a, b, c]));
    // The monitored job has a record while it waits; the others are read from their queues.
    expect(await records.find(ids[0])).toMatchObject({ status: 'pending', tags: ['user:1'] });

    await t.worker.run({ queue: [a, b, c].join(','), stopWhenEmpty: true, sleep: 0 });

    const completed = await records.completed();
    expect(completed.total).toBe(4);
    expect(completed.jobs.map((j) => j.id).sort()).toEqual([ids[0], ids[1], ...many].sort());
    expect(new Set(completed.jobs.map((j) => j.queue))).toEqual(new Set([a, b, c]));
    const failed = await records.failed();
    expect(failed.jobs.map((j) => [j.id, j.queue])).toEqual([[failedId, c]]);
    expect(failed.jobs[0].exception).toContain('refused on the cluster');
    expect((await records.failed({ tag: 'user:1' })).total).toBe(1);
    expect(await records.find(ids[1])).toMatchObject({ status: 'completed', queue: b });

    const tagged = await records.byTag('user:1');
    expect(tagged.jobs.map((j) => j.id).sort()).toEqual([ids[0], failedId, many[1]].sort());
    expect(await records.monitored()).toEqual([{ tag: 'user:1', count: 3 }]);
    await records.stopMonitoring('user:1');
    expect(await records.monitored()).toEqual([]);
    expect(await records.pending()).toEqual({ jobs: [], total: 0 });
  });
});
