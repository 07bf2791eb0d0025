import { WorkerProcess } from './support/worker-process';
import { testRedisUrl, uniquePrefix } from '../support/test-redis';

/**
 * The chaos test SIGTERMs its surviving workers as soon as each has printed WORKER_READY; one once died of the
 * signal instead of stopping gracefully. A worker that has said it is ready must already handle SIGTERM.
 */
describe('a worker process handles SIGTERM from the moment it says it is ready', () => {
  it('SIGTERM sent the instant WORKER_READY arrives: every worker stops gracefully with code 0', async () => {
    const prefix = uniquePrefix('ready-signal');
    const workers = Array.from({ length: 4 }, () => {
      const w = new WorkerProcess({ redisUrl: testRedisUrl(), prefix, worker: { sleep: 0.1 } });
      const onData = (chunk: Buffer) => {
        if (/WORKER_READY/.test(chunk.toString())) {
          w.child.kill('SIGTERM');
          w.child.stdout?.off('data', onData);
        }
      };
      w.child.stdout?.on('data', onData);
      return w;
    });
    try {
      const exits = await Promise.all(workers.map((w) => w.waitForExit(60000)));
      expect(exits).toEqual(workers.map(() => ({ code: 0, signal: null })));
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
    }
  }, 90000);
});
