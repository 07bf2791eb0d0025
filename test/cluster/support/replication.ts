import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../../support/redis-server';
import { waitUntil } from '../../support/test-redis';
import { waitForPing } from '../../support/redis-cluster';

/** One redis-server (or sentinel) process started by a test, on a free port in its own directory. */
export interface OwnedNode {
  port: number;
  dir: string;
  process: ChildProcess;
  args: string[];
}

/** A primary with replicas, and optionally sentinels watching it: all owned by the test that started them. */
export interface OwnedReplication {
  primary: OwnedNode;
  replicas: OwnedNode[];
  sentinels: OwnedNode[];
  /** The name the sentinels monitor the primary under. */
  name: string;
  /** A plain client on `port`, closed by stop(). */
  client(port: number): Redis;
  /** Port of the node that is primary now (role:master, asked of every running data node). */
  currentPrimary(): Promise<number>;
  kill(node: OwnedNode): Promise<void>;
  revive(node: OwnedNode): Promise<void>;
  /** Waits until `replica` reports master_link_status:up. */
  waitInSync(replica: OwnedNode, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function launch(port: number, args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  await waitForPing(port, child);
  return child;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

const dataArgs = (port: number, dir: string) => [
  '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
  '--repl-diskless-sync-delay', '0', '--enable-debug-command', 'local', '--daemonize', 'no', '--loglevel', 'warning',
];

/**
 * A primary and `replicaCount` replicas on free ports; with `sentinels` > 0, that many sentinels monitoring the
 * primary (quorum 2, down after `downAfterMs`). Never uses port 6379.
 */
export async function startReplication(options: { replicaCount?: number; sentinels?: number; downAfterMs?: number } = {}): Promise<OwnedReplication> {
  const root = mkdtempSync(join(tmpdir(), 'nestjs-queue-replication-'));
  const clients: Redis[] = [];
  const nodes: OwnedNode[] = [];
  const node = async (label: string, args: (port: number, dir: string) => string[]): Promise<OwnedNode> => {
    let port = await freePort();
    while (port === 6379) port = await freePort();
    const dir = join(root, `${label}-${port}`);
    mkdirSync(dir);
    const list = args(port, dir);
    const owned = { port, dir, args: list, process: await launch(port, list) };
    nodes.push(owned);
    return owned;
  };
  const name = 'nq-primary';
  // Never leave the processes behind when the test process ends without stop() (a killed or force-exited Jest).
  const killAll = () => {
    for (const n of nodes) if (n.process.exitCode === null && n.process.signalCode === null) n.process.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    const primary = await node('primary', dataArgs);
    const replicas: OwnedNode[] = [];
    for (let i = 0; i < (options.replicaCount ?? 1); i++) {
      replicas.push(await node('replica', (port, dir) => [...dataArgs(port, dir), '--replicaof', '127.0.0.1', String(primary.port)]));
    }
    const sentinels: OwnedNode[] = [];
    for (let i = 0; i < (options.sentinels ?? 0); i++) {
      sentinels.push(
        await node('sentinel', (port, dir) => {
          const conf = join(dir, 'sentinel.conf');
          writeFileSync(
            conf,
            [
              `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
              `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
              `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
              `sentinel failover-timeout ${name} 10000`,
              `sentinel parallel-syncs ${name} 1`,
            ].join('\n') + '\n',
          );
          return [conf, '--sentinel'];
        }),
      );
    }
    const dataNodes = [primary, ...replicas];
    const running = (n: OwnedNode) => n.process.exitCode === null && n.process.signalCode === null;
    const replication: OwnedReplication = {
      primary,
      replicas,
      sentinels,
      name,
      client(port) {
        const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
        c.on('error', () => undefined);
        clients.push(c);
        return c;
      },
      async currentPrimary() {
        for (const n of dataNodes.filter(running)) {
          const info = await replication.client(n.port).info('replication').catch(() => '');
          if (info.includes('role:master')) return n.port;
        }
        throw new Error('no running node is primary');
      },
      kill: (n) => stopChild(n.process, 'SIGKILL'),
      async revive(n) {
        n.process = await launch(n.port, n.args);
      },
      async waitInSync(replica, timeoutMs = 30000) {
        await waitUntil(
          async () => {
            const r = new Redis({ port: replica.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            r.on('error', () => undefined);
            try {
              await r.connect();
              const info = await r.info('replication');
              return info.includes('role:slave') && info.includes('master_link_status:up');
            } catch {
              return false;
            } finally {
              r.disconnect();
            }
          },
          `replica ${replica.port} to be in sync with its primary`,
          timeoutMs,
        );
      },
      async stop() {
        for (const c of clients) c.disconnect();
        process.removeListener('exit', killAll);
        await Promise.all(nodes.map((n) => stopChild(n.process, 'SIGKILL')));
        rmSync(root, { recursive: true, force: true });
      },
    };
    for (const replica of replicas) await replication.waitInSync(replica);
    return replication;
  } catch (error) {
    await Promise.all(nodes.map((n) => stopChild(n.process, 'SIGKILL')));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
