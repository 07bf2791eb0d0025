import { spawn, ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { freePort } from './redis-server';
import { sleep, waitUntil } from './test-redis';

const run = promisify(execFile);

/** One redis-server of a test cluster. */
export interface ClusterNodeProcess {
  port: number;
  dir: string;
  process: ChildProcess;
}

/**
 * A local Redis Cluster owned by the test file that started it: 3 masters and 3 replicas on free ports in a
 * temp dir, a short node timeout so a killed master fails over in a few seconds. Never touches port 6379.
 */
export interface OwnedRedisCluster {
  nodes: ClusterNodeProcess[];
  /** Seed nodes for ioredis: every node's { host, port }. */
  seeds: { host: string; port: number }[];
  nodeTimeoutMs: number;
  /** A plain ioredis Cluster client for inspecting keys. Closed by stop(). */
  client(): Cluster;
  /** Port of the master that serves `key` now (asked of the cluster, not of a cached map). */
  masterPortOf(key: string): Promise<number>;
  /** The keys held by the node on `port` (KEYS: test-sized data only). */
  keysOn(port: number, pattern?: string): Promise<string[]>;
  /** Ports of the current masters, in slot order. */
  masterPorts(): Promise<number[]>;
  /** Port of a replica of the master on `masterPort`. */
  replicaOf(masterPort: number): Promise<number>;
  /**
   * A clean failover (CLUSTER FAILOVER on its replica: the replica catches up first): the replica of the master
   * on `masterPort` becomes master. Resolves with the new master's port once the slot map names it.
   */
  failover(masterPort: number): Promise<number>;
  /** SIGKILLs the node on `port` (no shutdown, no persistence). */
  kill(port: number): Promise<void>;
  /** Starts a killed node again on its port and directory; it rejoins (as a replica if it was failed over). */
  revive(port: number): Promise<void>;
  /**
   * Waits until a replica serves the slots of the killed master on `port` (Redis's own failover). Should Redis's
   * election not have ended after `forceAfterMs` (it can stall on a starved machine), the state is printed and a live
   * replica is told CLUSTER FAILOVER TAKEOVER: what these tests prove is how clients ride through a failover, not
   * how fast Redis elects.
   */
  waitTakeover(port: number, forceAfterMs?: number): Promise<void>;
  /** Each running node's role, cluster_state and replication link, and one node's CLUSTER NODES (for failure messages). */
  describeState(): Promise<string>;
  /**
   * Waits until every slot is served by a running master, every running node reports cluster_state:ok, and every
   * other running node is a replica in sync with its master.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Deletes every key on every master. Only ever call on a cluster this helper started. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  nodeTimeoutMs?: number;
}

export async function startRedisCluster(options: StartClusterOptions = {}): Promise<OwnedRedisCluster> {
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const root = mkdtempSync(join(tmpdir(), 'nestjs-queue-cluster-'));
  const ports: number[] = [];
  while (ports.length < 6) {
    const port = await freePort();
    // The cluster bus listens on port + 10000: both must be free and below 65536.
    if (port !== 6379 && port + 10000 < 65536 && !ports.includes(port) && (await isFree(port + 10000))) ports.push(port);
  }
  const nodes: ClusterNodeProcess[] = [];
  const launch = async (port: number, dir: string): Promise<ChildProcess> => {
    const child = spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(nodeTimeoutMs),
        // A replica may always take over, however long its link was down: on a loaded machine replication lags, and a
        // replica that counts its data as too old (the default validity factor) would leave its slots without a master.
        '--cluster-replica-validity-factor', '0',
        '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--enable-debug-command', 'local', '--daemonize', 'no', '--loglevel', 'warning',
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(port, child);
    return child;
  };
  const clients: Cluster[] = [];
  try {
    for (const port of ports) {
      const dir = join(root, String(port));
      mkdirSync(dir);
      nodes.push({ port, dir, process: await launch(port, dir) });
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 60000 },
    );
  } catch (error) {
    for (const node of nodes) node.process.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('redis-server or redis-cli is not on PATH: the cluster tests start their own cluster (apt-get install redis-server redis-tools).');
    }
    throw error;
  }

  // Never leave the nodes behind when the test process ends without stop() (a killed or force-exited Jest).
  const killAll = () => {
    for (const node of nodes) if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const running = () => nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
  const ask = async <T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> => {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await fn(r);
    } finally {
      r.disconnect();
    }
  };
  const slotMap = async (): Promise<[number, number, number, number[]][]> => {
    for (const node of running()) {
      try {
        const slots = (await ask(node.port, (r) => r.call('CLUSTER', 'SLOTS'))) as [number, number, ...[string, number][]][];
        return slots.map(([from, to, master, ...replicas]) => [from, to, Number(master[1]), replicas.map((r) => Number(r[1]))]);
      } catch {
        // Try the next node.
      }
    }
    throw new Error('no cluster node answers CLUSTER SLOTS');
  };

  const cluster: OwnedRedisCluster = {
    nodes,
    seeds: ports.map((port) => ({ host: '127.0.0.1', port })),
    nodeTimeoutMs,
    client() {
      const c = new Cluster(cluster.seeds, { redisOptions: { maxRetriesPerRequest: 1 } });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async masterPortOf(key) {
      const slot = Number(await ask(running()[0].port, (r) => r.call('CLUSTER', 'KEYSLOT', key)));
      const owner = (await slotMap()).find(([from, to]) => slot >= from && slot <= to);
      if (!owner) throw new Error(`no master serves slot ${slot} of ${key}`);
      return owner[2];
    },
    async keysOn(port, pattern = '*') {
      return (await ask(port, (r) => r.keys(pattern))).sort();
    },
    async masterPorts() {
      return [...new Set((await slotMap()).sort((a, b) => a[0] - b[0]).map((s) => s[2]))];
    },
    async replicaOf(masterPort) {
      const entry = (await slotMap()).find((s) => s[2] === masterPort && s[3].length > 0);
      if (!entry) throw new Error(`the master on ${masterPort} has no replica`);
      return entry[3][0];
    },
    async failover(masterPort) {
      const replica = await cluster.replicaOf(masterPort);
      await ask(replica, (r) => r.call('CLUSTER', 'FAILOVER'));
      await waitUntil(
        async () => (await slotMap()).some((s) => s[2] === replica),
        `replica ${replica} to take over from ${masterPort}`,
        30000,
      );
      return replica;
    },
    async kill(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no cluster node on port ${port}`);
      await stopChild(node.process, 'SIGKILL');
    },
    async revive(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no cluster node on port ${port}`);
      node.process = await launch(port, node.dir);
    },
    async waitTakeover(port, forceAfterMs = 45000) {
      const servedByKilled = async () => {
        try {
          return (await slotMap()).some(([, , master]) => master === port);
        } catch {
          return true;
        }
      };
      const started = Date.now();
      let forced = false;
      while (await servedByKilled()) {
        if (!forced && Date.now() - started > forceAfterMs) {
          forced = true;
          const state = await cluster.describeState();
          const killedId = state.match(new RegExp(`^(\\w+) 127\\.0\\.0\\.1:${port}@`, 'm'))?.[1];
          const replicaPort = killedId ? Number(state.match(new RegExp(`127\\.0\\.0\\.1:(\\d+)@\\d+ (?:myself,)?slave ${killedId}`))?.[1]) : NaN;
          console.warn(`Redis's failover of the killed master ${port} had not ended after ${forceAfterMs} ms; ` +
            `telling replica ${replicaPort} to take over. State:\n${state}`);
          if (replicaPort) await ask(replicaPort, (r) => r.call('CLUSTER', 'FAILOVER', 'TAKEOVER')).catch(() => undefined);
        }
        if (Date.now() - started > forceAfterMs + 60000) {
          throw new Error(`No replica took over from the killed master ${port}. State:\n${await cluster.describeState()}`);
        }
        await sleep(50);
      }
    },
    async describeState() {
      const lines: string[] = [];
      for (const node of running()) {
        try {
          const info = String(await ask(node.port, (r) => r.call('CLUSTER', 'INFO')));
          const replication = await ask(node.port, (r) => r.info('replication'));
          const pick = (text: string, key: string) => text.match(new RegExp(`${key}:(\\S+)`))?.[1] ?? '-';
          lines.push(`${node.port}: role ${pick(replication, 'role')}, cluster_state ${pick(info, 'cluster_state')}, ` +
            `master_link_status ${pick(replication, 'master_link_status')}, slots_ok ${pick(info, 'cluster_slots_ok')}`);
        } catch (error) {
          lines.push(`${node.port}: does not answer (${(error as Error).message})`);
        }
      }
      const first = running()[0];
      if (first) lines.push(String(await ask(first.port, (r) => r.call('CLUSTER', 'NODES')).catch((e: Error) => e.message)).trim());
      return lines.join('\n');
    },
    async waitHealthy(timeoutMs = 30000) {
      await waitUntil(
        async () => {
          try {
            for (const node of running()) {
              const info = String(await ask(node.port, (r) => r.call('CLUSTER', 'INFO')));
              if (!info.includes('cluster_state:ok')) return false;
              // A replica that has not synced with its master yet would refuse to fail over (its data counts as
              // too old, cluster-replica-validity-factor), so a test's failover would never end.
              const replication = await ask(node.port, (r) => r.info('replication'));
              if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
            }
            const map = await slotMap();
            const covered = map.reduce((n, [from, to]) => n + (to - from + 1), 0);
            if (covered !== 16384) return false;
            const alive = new Set(running().map((n) => n.port));
            const replicas = map.reduce((n, [, , , r]) => n + r.filter((port) => alive.has(port)).length, 0);
            // Every running node serves: 3 masters, the rest replicas of them.
            return map.every(([, , master]) => alive.has(master)) && new Set(map.map((m) => m[2])).size + replicas === alive.size;
          } catch {
            return false;
          }
        },
        'the Redis Cluster to report cluster_state:ok with every slot served',
        timeoutMs,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}. State:\n${await cluster.describeState()}`);
      });
    },
    async flushAll() {
      const map = await slotMap();
      for (const port of new Set(map.map((s) => s[2]))) await ask(port, (r) => r.flushall());
    },
    async stop() {
      for (const c of clients) c.disconnect();
      process.removeListener('exit', killAll);
      await Promise.all(nodes.map((n) => stopChild(n.process, 'SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.waitHealthy(60000);
  // Every node must know every slot's owner before a client's first CLUSTER SLOTS (create returns a bit early).
  await sleep(200);
  return cluster;
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Waits until the redis-server `child` answers PING on `port` (fails at once if it exits). */
export async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before it listened on ${port}`);
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
    `redis-server on port ${port} to answer PING`,
    15000,
  );
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
