import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server owned by the test that started it, on a free port, in its own directory. */
export interface OwnedRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Stops (SIGTERM, persisting when appendonly is on) and starts the same server again on the same port. */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function redisBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || 'redis-server';
  } catch {
    throw new Error(
      'redis-server is not on PATH. Install it (apt-get install redis-server) or set TEST_REDIS_URL to a Redis the tests may use.',
    );
  }
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10000): Promise<void> {
  const { connect } = await import('node:net');
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before it listened on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > timeoutMs) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedisServer(options: { appendonly?: boolean; port?: number } = {}): Promise<OwnedRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-queue-redis-'));
  const bin = redisBinary();
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning',
  ];
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(bin, args, { stdio: 'ignore' });
    await waitForPort(port, child);
    return child;
  };
  const owned: OwnedRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: await launch(),
    async stop() {
      await stopChild(owned.process);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(owned.process);
      owned.process = await launch();
    },
  };
  return owned;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
