import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { buildCli } from '../cli/support/cli-build';
import { CliEnv, CliProcess, runCli, startCli } from '../cli/support/run-cli';
import { OwnedRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/test-redis';
import { QuickJob, waitFor } from '../supervisor/support/supervisor-suite';
import { ClusterTestApp, createClusterApp } from './support/cluster-app';
import { queuesOnDistinctMasters } from './support/cluster-queues';

jest.setTimeout(240_000);

const SUPERVISOR_APP = `${join(__dirname, '..', 'supervisor', 'fixtures', 'supervisor-app.js')}#AppModule`;

let cluster: OwnedRedisCluster;
let client: Cluster;
let dist = '';

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
  dist = buildCli();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Horizon on a Redis Cluster (horizon #274): masters, commands and metrics under one {horizon} tag, queues anywhere. */
describe('supervise on a Redis Cluster', () => {
  let t: ClusterTestApp | undefined;
  let master: CliProcess | undefined;

  afterEach(async () => {
    if (master && master.child.exitCode === null && master.child.signalCode === null) {
      master.child.kill('SIGKILL');
      await master.exited;
    }
    await t?.close();
  });

  it('runs worker processes for queues on two masters, answers status across the cluster, and terminates cleanly', async () => {
    const prefix = uniquePrefix('supc');
    const queues = await queuesOnDistinctMasters(cluster, prefix, 2, 'sup');
    t = await createClusterApp(cluster, [QuickJob], { prefix });
    const env: CliEnv = {
      dist,
      redisUrl: '',
      prefix,
      extra: {
        QUEUE_APP: SUPERVISOR_APP,
        REDIS_URL: undefined, // every server of the fixture is the cluster
        REDIS_CLUSTER: JSON.stringify(cluster.seeds),
        SUPERVISORS_JSON: JSON.stringify({ test: { s: { connection: 'redis', queue: queues, balance: 'simple', processes: 2, sleep: 0.2 } } }),
      },
    };
    master = startCli(['supervise', '--environment=test'], env);
    const started = master;
    const status = await waitFor(async () => {
      const result = await runCli(['status', '--json'], env, { timeoutMs: 30_000 });
      if (result.code !== 0) return undefined;
      const json = JSON.parse(result.stdout) as { status: string; masters: { supervisors: { processes: Record<string, number> }[] }[] };
      const processes = json.masters[0]?.supervisors[0]?.processes ?? {};
      return queues.every((q) => processes[q] === 1) ? json : undefined;
    }, 90_000, () => `${started.stdout()}\n${started.stderr()}`);
    expect(status.status).toBe('running');

    for (let n = 0; n < 10; n++) await t.bus.dispatch(QuickJob, { n }).onQueue(queues[n % 2]);
    const log = await waitFor(async () => {
      const entries = await client.lrange(`${prefix}fixture:log`, 0, -1);
      return entries.length >= 10 ? entries : undefined;
    }, 60_000, async () => JSON.stringify(await client.lrange(`${prefix}fixture:log`, 0, -1)));
    expect(log.map((entry) => Number(entry.split(':')[1])).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const terminate = await runCli(['terminate', '--wait'], env, { timeoutMs: 90_000 });
    expect(terminate.code).toBe(0);
    const exit = await started.exited;
    expect(exit.code).toBe(0);
    expect((await runCli(['status'], env, { timeoutMs: 30_000 })).stdout.trim()).toMatch(/inactive/);
  });
});
