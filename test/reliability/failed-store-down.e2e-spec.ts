import { Logger } from '@nestjs/common';
import { createServer, Server, Socket } from 'node:net';
import { Job, JobProcessing } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { freePort } from '../support/redis-server';
import { waitUntil } from '../support/test-redis';

let runs = 0;

@Job({ name: 'always-throws', tries: 1 })
class AlwaysThrows {
  handle(): void {
    runs++;
    throw new Error('this job always fails');
  }
}

/** A TCP server that accepts connections and never says a word (a database that hangs). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a failed-job store that is down', () => {
  let t: QueueTestApp | null = null;
  let lines: { level: string; text: string }[];
  let restore: () => void;
  beforeEach(() => {
    runs = 0;
    lines = [];
    const spies = (['log', 'warn', 'error'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, message: unknown, ...rest: unknown[]) {
        lines.push({ level, text: [message, ...rest].map(String).join(' ') });
      }),
    );
    restore = () => spies.forEach((s) => s.mockRestore());
  });
  afterEach(async () => {
    restore();
    await t?.close();
    t = null;
  });

  const appWithStoreAt = (port: number) =>
    createQueueApp([AlwaysThrows], {
      connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 1 } },
      databases: { dead: { client: 'pg', connection: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' } } },
      failed: { driver: 'database', database: 'dead' },
    });

  it('a database on a dead port: reported once as the failed-job store, the job kept, retried, no connection outage', async () => {
    t = await appWithStoreAt(await freePort());
    const id = await t.bus.dispatch(AlwaysThrows, {});
    const app = t;
    let attempts = 0;
    app.events.on(JobProcessing, () => void attempts++);
    const running = app.worker.run({ sleep: 0.05, maxTime: 60 });
    // Attempt 1 runs the handler; every later one fails at once (tries spent) and again cannot be recorded.
    await waitUntil(() => attempts >= 4, 'the job to fail (and be kept) 4 times', 30000);
    expect(runs).toBe(1);
    await app.worker.stop();
    expect(await running).toBe('stopped');

    const store = lines.filter((l) => /failed-job store/i.test(l.text));
    expect(store.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(store[0].text).toMatch(/ECONNREFUSED/);
    expect(lines.filter((l) => /Queue connection/.test(l.text))).toEqual([]);
    expect(lines.filter((l) => /\n\s+at /.test(l.text))).toEqual([]); // no stack traces
    // Kept: it is still in Redis (reserved or back in the queue), never lost.
    const sizes = await app.manager.connection().sizes('default');
    expect(sizes.ready + sizes.delayed + sizes.reserved).toBe(1);
    expect(id).toEqual(expect.any(String));
  }, 60000);

  it('a database that accepts connections and never answers: the worker still stops at its max-time', async () => {
    const silent = await silentServer();
    try {
      t = await appWithStoreAt(silent.port);
      await t.bus.dispatch(AlwaysThrows, {});
      const running = t.worker.run({ sleep: 0.05, maxTime: 3 });
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('still running 30 s later'), 30000);
      });
      expect(await Promise.race([running, bound])).toBe('max-time');
      clearTimeout(timer);
      expect(runs).toBeGreaterThanOrEqual(1);
      expect(lines.filter((l) => l.level === 'error' && /failed-job store/i.test(l.text))).toHaveLength(1);
      const sizes = await t.manager.connection().sizes('default');
      expect(sizes.ready + sizes.delayed + sizes.reserved).toBe(1);
    } finally {
      await t?.close();
      t = null;
      await silent.close();
    }
  }, 90000);
});
