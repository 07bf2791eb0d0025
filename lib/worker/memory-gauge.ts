import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A forced full collection at most this often (ms), and at most 5% of the time; in between, the size the last one left stands. */
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

/**
 * The worker's memory limit counts what survives garbage collection: heap in use is read after every job (cheap);
 * only when it passes the limit is a full collection run (at most once a second, and at most 5% of the time)
 * and the heap read again.
 */
export class MemoryGauge {
  private collectedAt = 0;
  private pause = 0;
  private afterCollection = 0;

  constructor(private readonly limitMb: number) {}

  /** True when the live heap is at or above the limit. */
  overLimit(): boolean {
    if (this.limitMb <= 0) return false;
    const limit = this.limitMb * 1048576;
    if (getHeapStatistics().used_heap_size < limit) return false;
    const now = Date.now();
    if (now - this.collectedAt < this.pause) return this.afterCollection >= limit;
    const gc = collectGarbage();
    if (!gc) return true;
    gc();
    this.collectedAt = Date.now();
    this.pause = Math.max(MIN_COLLECT_INTERVAL_MS, (this.collectedAt - now) * COLLECT_TIME_SHARE);
    this.afterCollection = getHeapStatistics().used_heap_size;
    return this.afterCollection >= limit;
  }
}
