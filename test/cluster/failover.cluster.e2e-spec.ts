import { FailoverInProgressError, QueueError } from '../../lib';
import type { RedisServerQueueOptions } from '../../lib';
import { queueKeys } from '../../lib/drivers/redis/queue-keys';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { waitUntil } from '../support/test-redis';
import { ClusterTestApp, createClusterApp } from './support/cluster-app';
import { lossReport, printReport, produce, runs, TrackedJob } from './support/failover-workload';

jest.setTimeout(360000);

/**
 * Failovers with jobs in flight, on a cluster whose node timeout is 3 s (a SIGKILLed master's slots have no
 * master for about 4 s). Each test leaves the cluster healthy: the killed node is started again and rejoins.
 */
let cluster: OwnedRedisCluster;
const apps: ClusterTestApp[] = [];
const queue = 'failover';
const readyKey = queueKeys('', queue, true).ready;

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 3000 });
});

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await cluster?.stop();
});

beforeEach(async () => {
  runs.length = 0;
  await cluster.waitHealthy();
  await cluster.flushAll();
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => undefined);
  for (const node of cluster.nodes) if (node.process.exitCode !== null || node.process.signalCode !== null) await cluster.revive(node.port);
  await cluster.waitHealthy(120000);
});

async function app(server: RedisServerQueueOptions = {}): Promise<ClusterTestApp> {
  const t = await createClusterApp(cluster, [TrackedJob], { connections: { redis: { driver: 'redis', queue, retryAfter: 5 } } }, server);
  apps.push(t);
  return t;
}

/** Runs a worker in the background until stop() (tries unlimited, 10 jobs at once). */
function startWorker(t: ClusterTestApp): { stop(): Promise<void> } {
  const done = t.worker.run({ queue, concurrency: 10, sleep: 0.05, tries: 0 });
  return {
    async stop() {
      await t.worker.stop();
      await done;
    },
  };
}

/** Waits until the queue is empty (nothing ready, delayed or reserved) and every resolved dispatch ran, or 60 s. */
async function drain(t: ClusterTestApp, resolved: number[]): Promise<void> {
  await waitUntil(
    async () => {
      const sizes = await t.manager.connection().sizes(queue).catch(() => null);
      const ran = new Set(runs);
      return sizes !== null && sizes.ready + sizes.delayed + sizes.reserved === 0 && resolved.every((n) => ran.has(n));
    },
    'the queue to drain and every acknowledged job to run',
    60000,
  ).catch(() => undefined); // The report below says what is missing.
}

describe('dispatch through a SIGKILLed master', () => {
  it('keeps retrying while the slot has no master and resolves once the replica took over', async () => {
    const t = await app();
    await t.bus.dispatch(TrackedJob, { n: -1 }).onQueue(queue); // Connected to every master before the kill.
    const master = await cluster.masterPortOf(readyKey);
    await cluster.kill(master);
    const started = Date.now();

    const riding = Promise.all([0, 1, 2, 3, 4].map((n) => t.bus.dispatch(TrackedJob, { n }).onQueue(queue)));
    const ids = await riding;
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    // eslint-disable-next-line no-console
    console.log(`dispatch rode through a SIGKILL failover in ${Date.now() - started} ms (node timeout ${cluster.nodeTimeoutMs} ms)`);
    expect(await cluster.masterPortOf(readyKey)).not.toBe(master);

    await t.worker.run({ queue, stopWhenEmpty: true, sleep: 0, tries: 0 });
    expect(runs.filter((n) => n >= 0 && n < 100).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a slot with no master at all: failoverTimeout 0 fails with the client\'s error, a short one with FailoverInProgressError', async () => {
    const fast = await app({ failoverTimeout: 0 });
    const short = await app({ failoverTimeout: 1 });
    await fast.bus.dispatch(TrackedJob, { n: -2 }).onQueue(queue); // Connected to every master before the kills.
    await short.bus.dispatch(TrackedJob, { n: -3 }).onQueue(queue);
    // The master and its replica both down: nothing can take the slot over until they are started again (afterEach),
    // so the outcome does not hang on how fast a loaded machine elects.
    const master = await cluster.masterPortOf(readyKey);
    const replica = await cluster.replicaOf(master);
    await cluster.kill(replica);
    await cluster.kill(master);

    // Without the retry (failoverTimeout 0) the dispatch fails with ioredis's error.
    const withoutRetry = await fast.bus.dispatch(TrackedJob, { n: 100 }).onQueue(queue).then(() => null, (e: unknown) => e as Error);
    expect(withoutRetry).toBeInstanceOf(Error);
    expect(withoutRetry).not.toBeInstanceOf(FailoverInProgressError);
    // A failoverTimeout shorter than the outage ends in a FailoverInProgressError that says what happened.
    const gaveUp = await short.bus.dispatch(TrackedJob, { n: 101 }).onQueue(queue).then(() => null, (e: unknown) => e as Error);
    expect(gaveUp).toBeInstanceOf(FailoverInProgressError);
    expect(gaveUp).toBeInstanceOf(QueueError);
    expect(gaveUp?.message).toMatch(/failover was in progress on "queue"/);
    expect(gaveUp?.message).toMatch(/failoverTimeout/);
  });
});

describe('jobs in flight through a failover', () => {
  it('clean CLUSTER FAILOVER under load: no dispatch fails, no job is lost, the worker goes on', async () => {
    const t = await app();
    const worker = startWorker(t);
    let stop = false;
    const { outcomes, done } = produce(t, queue, 4, () => stop);
    await waitUntil(() => outcomes.resolved.length >= 150, '150 dispatches before the failover', 60000);
    const master = await cluster.masterPortOf(readyKey);
    await cluster.failover(master);
    const ranBefore = runs.length;
    const resolvedAtFailover = outcomes.resolved.length;
    await waitUntil(() => outcomes.resolved.length >= resolvedAtFailover + 150 && runs.length >= ranBefore + 150, 'dispatches and runs after the failover', 60000);
    stop = true;
    await done;
    await drain(t, outcomes.resolved);
    await worker.stop();

    const report = lossReport(outcomes);
    printReport('clean CLUSTER FAILOVER', report, outcomes);
    expect(outcomes.rejected).toEqual([]);
    expect(report.lost).toEqual([]);
  });

  it('SIGKILL of a master under load: dispatch rides through, workers go on, lost and doubled jobs are counted', async () => {
    const t = await app();
    const worker = startWorker(t);
    let stop = false;
    const { outcomes, done } = produce(t, queue, 4, () => stop);
    await waitUntil(() => outcomes.resolved.length >= 150, '150 dispatches before the kill', 60000);
    const master = await cluster.masterPortOf(readyKey);
    await cluster.kill(master);
    await cluster.waitTakeover(master);
    await cluster.waitHealthy(120000);
    const ranBefore = runs.length;
    const resolvedAtFailover = outcomes.resolved.length;
    // The worker was never restarted: it goes on by itself once the replica took over.
    await waitUntil(() => outcomes.resolved.length >= resolvedAtFailover + 150 && runs.length >= ranBefore + 150, 'dispatches and runs after the failover', 60000);
    stop = true;
    await done;
    await drain(t, outcomes.resolved);
    await worker.stop();

    const report = lossReport(outcomes);
    printReport('SIGKILL failover, replicas: 0', report, outcomes);
    expect(outcomes.rejected).toEqual([]);
    // Replication is asynchronous: a few acknowledged jobs may be lost with the master (that is what `replicas`
    // is for); most must survive.
    expect(report.lost.length).toBeLessThan(report.resolved / 10);
  });

  it('with replicas: 1, a SIGKILL failover loses none of the jobs whose dispatch resolved', async () => {
    const t = await app({ replicas: 1, replicasTimeout: 1 });
    const worker = startWorker(t);
    let stop = false;
    const { outcomes, done } = produce(t, queue, 4, () => stop);
    await waitUntil(() => outcomes.resolved.length >= 150, '150 durable dispatches before the kill', 60000);
    const master = await cluster.masterPortOf(readyKey);
    await cluster.kill(master);
    await cluster.waitTakeover(master);
    await cluster.waitHealthy(120000);
    // The promoted replica has no replica of its own until the killed node rejoins: durable dispatches wait for it.
    await cluster.revive(master);
    const resolvedAtFailover = outcomes.resolved.length;
    await waitUntil(() => outcomes.resolved.length >= resolvedAtFailover + 150, 'durable dispatches after the old master rejoined', 90000);
    stop = true;
    await done;
    await drain(t, outcomes.resolved);
    await worker.stop();

    const report = lossReport(outcomes);
    printReport('SIGKILL failover, replicas: 1', report, outcomes);
    expect(report.lost).toEqual([]);
    for (const r of outcomes.rejected) expect(['ReplicationTimeoutError', 'FailoverInProgressError']).toContain(r.error);
  });
});
