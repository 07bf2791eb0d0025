import { waitUntil } from '../support/test-redis';
import { ClusterTestApp, createAppOn } from './support/cluster-app';
import { lossReport, printReport, produce, runs, TrackedJob } from './support/failover-workload';
import { OwnedReplication, startReplication } from './support/replication';

jest.setTimeout(420000);

/**
 * Redis Sentinel through ioredis's own options: one primary, two replicas, three sentinels (quorum 2, the primary
 * down after 1 s). A SIGKILL of the primary under load loses none of the jobs whose durable dispatch resolved. The
 * second replica is there so that the promoted primary has a replica again as part of the failover itself (the
 * sentinels repoint it), without waiting for the killed primary to come back.
 */
let redis: OwnedReplication;
let t: ClusterTestApp;
const queue = 'sentinel';

beforeAll(async () => {
  redis = await startReplication({ replicaCount: 2, sentinels: 3, downAfterMs: 1000 });
});

afterAll(async () => {
  await t?.close().catch(() => undefined);
  await redis?.stop();
});

it('a SIGKILL of the Sentinel primary under load loses no job whose dispatch (replicas: 1) resolved', async () => {
  t = await createAppOn(
    {
      sentinels: redis.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: redis.name,
      replicas: 1,
      replicasTimeout: 1,
    },
    [TrackedJob],
    { connections: { redis: { driver: 'redis', queue, retryAfter: 5 } } },
  );
  runs.length = 0;
  const worker = t.worker.run({ queue, concurrency: 10, sleep: 0.05, tries: 0 });
  let stop = false;
  const { outcomes, done } = produce(t, queue, 4, () => stop);
  await waitUntil(() => outcomes.resolved.length >= 150, '150 durable dispatches before the kill', 60000);

  const old = redis.primary;
  await redis.kill(old);
  await waitUntil(
    async () => (await redis.currentPrimary().catch(() => old.port)) !== old.port,
    'the sentinels to promote a replica',
    60000,
  );
  // The other replica follows the promoted one (the sentinels repoint it), and durable dispatches resolve again.
  const resolvedAfter = outcomes.resolved.length;
  await waitUntil(() => outcomes.resolved.length >= resolvedAfter + 50, 'durable dispatches after the failover', 150000);
  stop = true;
  await done;

  await waitUntil(
    async () => {
      const ran = new Set(runs);
      const sizes = await t.manager.connection().sizes(queue).catch(() => null);
      return sizes !== null && sizes.ready + sizes.delayed + sizes.reserved === 0 && outcomes.resolved.every((n) => ran.has(n));
    },
    'the queue to drain and every acknowledged job to run',
    60000,
  ).catch(() => undefined); // The report says what is missing.
  await t.worker.stop();
  await worker;

  const report = lossReport(outcomes);
  printReport('Sentinel SIGKILL failover, replicas: 1', report, outcomes);
  expect(report.lost).toEqual([]);
  for (const r of outcomes.rejected) expect(['ReplicationTimeoutError', 'FailoverInProgressError']).toContain(r.error);
});
