import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** The benchmark's own redis-server: a free port, no persistence, stopped at the end. */
export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  version: string;
  /** A plain client for FLUSHALL and INFO. */
  admin: Redis;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > 10000) throw new Error(`redis-server did not listen on ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedis(): Promise<BenchRedis> {
  let bin = 'redis-server';
  try {
    bin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || bin;
  } catch {
    throw new Error('redis-server is not on PATH: the benchmark starts its own Redis.');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-queue-bench-'));
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  // Never leave the server behind, whatever way the benchmark ends.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      kill();
      process.exit(130);
    });
  }
  await waitForPort(port, child);
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  const server = parseInfo(await admin.info('server'));
  return {
    url,
    host: '127.0.0.1',
    port,
    version: server.redis_version ?? 'unknown',
    admin,
    async stop() {
      admin.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Calls per command from INFO commandstats (commands run inside Lua scripts included). */
export async function commandStats(admin: Redis): Promise<Map<string, number>> {
  const info = parseInfo(await admin.info('commandstats'));
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(info)) {
    if (!key.startsWith('cmdstat_')) continue;
    const calls = /calls=(\d+)/.exec(value);
    if (calls) out.set(key.slice('cmdstat_'.length), Number(calls[1]));
  }
  return out;
}

/** Commands issued between two snapshots, total and by command. */
export function commandDelta(before: Map<string, number>, after: Map<string, number>): { total: number; byCommand: Record<string, number> } {
  let total = 0;
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0) {
      byCommand[name] = d;
      total += d;
    }
  }
  return { total, byCommand };
}

/** CPU seconds the redis-server process has used (user + system, all threads). */
export async function serverCpuSeconds(admin: Redis): Promise<number> {
  const cpu = parseInfo(await admin.info('cpu'));
  return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
}

/** Bytes the server has read from and written to its clients so far (INFO stats). */
export async function netBytes(admin: Redis): Promise<{ input: number; output: number }> {
  const stats = parseInfo(await admin.info('stats'));
  return { input: Number(stats.total_net_input_bytes), output: Number(stats.total_net_output_bytes) };
}

export async function usedMemory(admin: Redis): Promise<number> {
  return Number(parseInfo(await admin.info('memory')).used_memory);
}

/** Empties the server between runs: data, stats and the allocator's spare pages (scripts stay loaded). */
export async function resetRedis(admin: Redis): Promise<void> {
  await admin.flushall();
  await admin.config('RESETSTAT');
  try {
    await admin.call('MEMORY', 'PURGE');
  } catch {
    // Not every allocator supports it.
  }
}
