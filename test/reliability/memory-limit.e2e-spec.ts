import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Job, job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

/** The live heap of this process in MB, after a full collection. */
function liveHeapMb(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
  return getHeapStatistics().used_heap_size / 1048576;
}

/** ~`mb` MB of heap in 10 KB arrays, held long enough to be promoted to the old space. */
function allocate(mb: number): number[][] {
  return Array.from({ length: mb * 100 }, (_, i) => new Array<number>(1280).fill(i));
}

const kept: number[][][] = [];
let handled = 0;

@Job({ name: 'light' })
class Light {
  handle(): void {
    handled++;
  }
}

@Job({ name: 'leaky' })
class Leaky {
  handle(): void {
    handled++;
    kept.push(allocate(10)); // a real leak: 10 MB kept per job
  }
}

describe('the memory limit counts memory that survives garbage collection', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    handled = 0;
    t = await createQueueApp([Light, Leaky]);
  });
  afterEach(async () => {
    kept.length = 0;
    await t.close();
  });

  it('a worker in a process full of garbage (what producing 10,000 10 KB jobs leaves) does not stop for memory', async () => {
    await t.bus.dispatchMany(Array.from({ length: 60 }, () => job(Light, {})));
    const limit = Math.ceil(liveHeapMb()) + 60;
    let garbage: number[][] | null = allocate(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(garbage.length).toBe(20000);
    garbage = null;
    // Old-space garbage, well over the limit, until V8's next full collection.
    const reason = await t.worker.run({ memory: limit, maxJobs: 50, sleep: 0.05 });
    expect(reason).toBe('max-jobs');
    expect(handled).toBe(50);
  }, 60000);

  it('a worker whose jobs really keep memory still stops for memory, after the job that took it over', async () => {
    await t.bus.dispatchMany(Array.from({ length: 60 }, () => job(Leaky, {})));
    const live = liveHeapMb();
    const reason = await t.worker.run({ memory: Math.ceil(live) + 40, maxJobs: 60, sleep: 0.05 });
    expect(reason).toBe('memory');
    expect(handled).toBeGreaterThanOrEqual(4);
    expect(handled).toBeLessThan(60);
  }, 60000);
});
