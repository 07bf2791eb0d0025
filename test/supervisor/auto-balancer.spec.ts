import { AutoBalancer, QueueLoad } from '../../lib/supervisor/auto-balancer';
import type { ProcessPool } from '../../lib/supervisor/process-pool';
import { simpleSplit, supervisorSettings } from '../../lib/supervisor/supervisor-settings';

/** A pool that counts instead of forking: what the balancer's arithmetic sees of a ProcessPool. */
class CountingPool {
  stopping = 0;
  constructor(
    readonly queues: string[],
    public size: number,
  ) {}
  get total(): number {
    return this.size + this.stopping;
  }
  scale(n: number): void {
    if (n < this.size) this.stopping += this.size - n;
    this.size = n;
  }
}

const load = (ready: Record<string, number>, runtime: Record<string, number> = {}): QueueLoad => ({
  ready: async (q) => ready[q] ?? 0,
  runtime: async (q) => runtime[q] ?? 0,
});

describe('AutoBalancer (Horizon AutoScaler arithmetic)', () => {
  const settings = supervisorSettings('s', { queue: ['a', 'b'], balance: 'auto', minProcesses: 1, maxProcesses: 6, balanceMaxShift: 2 }, 'redis');

  it('moves at most balanceMaxShift per step toward the queue with the longest time to clear, within min and max', async () => {
    const pools = [new CountingPool(['a'], 1), new CountingPool(['b'], 1)];
    const balancer = new AutoBalancer(load({ a: 100, b: 1 }, { a: 50, b: 50 }));
    const history: number[][] = [];
    for (let step = 0; step < 5; step++) {
      await balancer.balance(settings, pools as unknown as ProcessPool[]);
      pools.forEach((p) => (p.stopping = 0));
      history.push(pools.map((p) => p.size));
    }
    expect(history[0]).toEqual([3, 1]);
    expect(history[1]).toEqual([5, 1]);
    expect(history[4]).toEqual([5, 1]);
  });

  it('with no runtime known yet, a queue with work wants the maximum and an idle one the minimum', async () => {
    const pools = [new CountingPool(['a'], 3), new CountingPool(['b'], 3)];
    await new AutoBalancer(load({ a: 0, b: 10 })).balance(settings, pools as unknown as ProcessPool[]);
    expect(pools.map((p) => p.size)).toEqual([1, 3]);
  });

  it("by size with autoScalingStrategy 'size'", async () => {
    const bySize = supervisorSettings('s', { queue: ['a', 'b'], balance: 'auto', maxProcesses: 4, balanceMaxShift: 4, autoScalingStrategy: 'size' }, 'redis');
    const pools = [new CountingPool(['a'], 1), new CountingPool(['b'], 1)];
    // By time b would win (long jobs); by size a has three times the jobs.
    await new AutoBalancer(load({ a: 30, b: 10 }, { a: 1, b: 1000 })).balance(bySize, pools as unknown as ProcessPool[]);
    expect(pools.map((p) => p.size)).toEqual([3, 1]);
  });
});

describe('supervisor settings', () => {
  it("splits 'simple' processes evenly with at least one per queue", () => {
    expect(simpleSplit(4, 2)).toEqual([2, 2]);
    expect(simpleSplit(3, 2)).toEqual([2, 1]);
    expect(simpleSplit(3, 4)).toEqual([1, 1, 1, 1]);
  });

  it("fills Horizon's defaults and reads processes as the total", () => {
    const s = supervisorSettings('x', { queue: ['a'], processes: 3 }, 'redis');
    expect(s).toMatchObject({ connection: 'redis', balance: false, maxProcesses: 3, minProcesses: 1, memory: 128, timeout: 60, tries: 0, sleep: 3, balanceCooldown: 3, balanceMaxShift: 1 });
  });
});
