import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A forced full collection at most this often (ms), and at most 5% of the CPU time; in between, the size the last one left stands. */
const MIN_COLLECT_INTERVAL_MS = 1000;
const COLLECT_TIME_SHARE = 20;

let collector: (() => void) | null | undefined;

/** A function that runs a full garbage collection: `global.gc` when exposed, else one obtained once from V8. */
function collectGarbage(): (() => void) | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return (collector = exposed);
  try {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  } catch {
    collector = null;
  } finally {
    // Only the function taken here is needed; contexts made later do not get a `gc` global.
    setFlagsFromString('--no-expose-gc');
  }
  return collector;
}

/** Where the gauge reads the heap: V8's in a worker; a scripted heap in the gauge's own tests. */
export interface HeapProbe {
  /** Bytes of heap in use now (live and not yet collected). */
  used(): number;
  /** Runs a full collection; false when no collector is available. */
  collect(): boolean;
  /** CPU microseconds this process has used (the collection's cost is measured with it). */
  cpuMicros(): number;
  now(): number;
}

export const V8_HEAP: HeapProbe = {
  used: () => getHeapStatistics().used_heap_size,
  collect: () => {
    const gc = collectGarbage();
    if (!gc) return false;
    gc();
    return true;
  },
  cpuMicros: () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  },
  now: () => Date.now(),
};

/**
 * The worker's memory limit counts what survives garbage collection: heap in use is read after every job (cheap);
 * only when it passes the limit is a full collection run (at most once a second, and at most 5% of the CPU time)
 * and the heap read again. Between two such collections the size the last one left stands, unless the heap has
 * since grown by more than the limit itself: then a leak may have passed the limit since, and a collection runs at
 * once. A collection per limit's worth of allocation keeps the cost bounded (V8 itself collects per heap growth),
 * and a leak fast enough to pass the limit within the pause is not missed.
 */
export class MemoryGauge {
  private collectedAt = 0;
  private pause = 0;
  private afterCollection = 0;

  constructor(
    private readonly limitMb: number,
    private readonly heap: HeapProbe = V8_HEAP,
  ) {}

  /** True when the live heap is at or above the limit. */
  overLimit(): boolean {
    if (this.limitMb <= 0) return false;
    const limit = this.limitMb * 1048576;
    const heap = this.heap;
    const used = heap.used();
    if (used < limit) return false;
    if (heap.now() - this.collectedAt < this.pause && used - this.afterCollection < limit) {
      return this.afterCollection >= limit;
    }
    // The collection's cost is the CPU it took, not the wall time: on a loaded machine the wall time of one
    // collection can be many times its CPU, and a pause sized by it would leave a stale "below the limit" standing
    // for seconds while a leak grows.
    const cpuBefore = heap.cpuMicros();
    if (!heap.collect()) return true;
    const cpuMs = (heap.cpuMicros() - cpuBefore) / 1000;
    this.collectedAt = heap.now();
    this.pause = Math.max(MIN_COLLECT_INTERVAL_MS, cpuMs * COLLECT_TIME_SHARE);
    this.afterCollection = heap.used();
    return this.afterCollection >= limit;
  }
}
