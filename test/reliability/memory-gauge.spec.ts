import { HeapProbe, MemoryGauge } from '../../lib/worker/memory-gauge';

const MB = 1048576;

/**
 * A heap whose live and garbage bytes the test sets: a collection frees the garbage and costs `collectCpuMs` of CPU.
 * The gauge's rule (when to collect, what a collection's result means, how long it stands) is what is under test;
 * that it measures a real V8 heap is proved by test/reliability/memory-limit.e2e-spec.ts with real worker processes.
 */
class ScriptedHeap implements HeapProbe {
  live = 0;
  garbage = 0;
  collections = 0;
  clock = 1_000_000;
  cpu = 0;
  collectCpuMs = 5;
  hasCollector = true;

  used(): number {
    return this.live + this.garbage;
  }
  collect(): boolean {
    if (!this.hasCollector) return false;
    this.collections++;
    this.garbage = 0;
    this.cpu += this.collectCpuMs * 1000;
    return true;
  }
  cpuMicros(): number {
    return this.cpu;
  }
  now(): number {
    return this.clock;
  }
}

describe('the memory gauge', () => {
  it('does not collect while the heap in use is under the limit', () => {
    const heap = new ScriptedHeap();
    const gauge = new MemoryGauge(100, heap);
    heap.live = 60 * MB;
    heap.garbage = 39 * MB;
    expect(gauge.overLimit()).toBe(false);
    expect(heap.collections).toBe(0);
  });

  it('counts what survives a collection: a heap over the limit with garbage only is below it', () => {
    const heap = new ScriptedHeap();
    const gauge = new MemoryGauge(100, heap);
    heap.live = 60 * MB;
    heap.garbage = 80 * MB;
    expect(gauge.overLimit()).toBe(false);
    expect(heap.collections).toBe(1);
  });

  it('is over the limit when what survives a collection is at or above it', () => {
    const heap = new ScriptedHeap();
    const gauge = new MemoryGauge(100, heap);
    heap.live = 100 * MB;
    heap.garbage = 10 * MB;
    expect(gauge.overLimit()).toBe(true);
    expect(heap.collections).toBe(1);
  });

  it('lets the last collection stand for a second while the heap grows by less than the limit, then collects again', () => {
    const heap = new ScriptedHeap();
    const gauge = new MemoryGauge(100, heap);
    heap.live = 60 * MB;
    heap.garbage = 80 * MB;
    expect(gauge.overLimit()).toBe(false);
    for (let i = 0; i < 50; i++) {
      heap.garbage += 1 * MB; // 50 MB more garbage: less than the limit's worth of growth
      heap.clock += 10;
      expect(gauge.overLimit()).toBe(false);
    }
    expect(heap.collections).toBe(1);
    heap.clock += 600; // 1.1 s after the collection
    expect(gauge.overLimit()).toBe(false);
    expect(heap.collections).toBe(2);
  });

  it('a leak that passes the limit right after a collection found the heap below it is seen at once, not after the pause', () => {
    const heap = new ScriptedHeap();
    const gauge = new MemoryGauge(100, heap);
    heap.live = 60 * MB;
    heap.garbage = 80 * MB;
    expect(gauge.overLimit()).toBe(false);
    heap.clock += 5; // well inside the pause
    heap.live += 110 * MB; // kept: more than the limit itself since the collection
    expect(gauge.overLimit()).toBe(true);
    expect(heap.collections).toBe(2);
  });

  it('sizes the pause by the CPU a collection took (at most 5% of the CPU time), not by wall time', () => {
    const heap = new ScriptedHeap();
    heap.collectCpuMs = 200; // a big heap: 200 ms of CPU per collection → 4 s between collections
    const gauge = new MemoryGauge(100, heap);
    heap.live = 60 * MB;
    heap.garbage = 80 * MB;
    expect(gauge.overLimit()).toBe(false);
    heap.garbage = 50 * MB;
    heap.clock += 3_900;
    expect(gauge.overLimit()).toBe(false);
    expect(heap.collections).toBe(1);
    heap.clock += 200;
    expect(gauge.overLimit()).toBe(false);
    expect(heap.collections).toBe(2);
  });

  it('without a collector it counts the heap in use as it is', () => {
    const heap = new ScriptedHeap();
    heap.hasCollector = false;
    const gauge = new MemoryGauge(100, heap);
    heap.live = 60 * MB;
    heap.garbage = 80 * MB;
    expect(gauge.overLimit()).toBe(true);
  });

  it('a limit of 0 is no limit', () => {
    const heap = new ScriptedHeap();
    const gauge = new MemoryGauge(0, heap);
    heap.live = 4096 * MB;
    expect(gauge.overLimit()).toBe(false);
    expect(heap.collections).toBe(0);
  });

});
