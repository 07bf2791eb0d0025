import type { ProcessPool } from './process-pool';
import type { SupervisorSettings } from './supervisor-settings';

/** What the balancer reads per queue: jobs ready now and their average runtime (ms). */
export interface QueueLoad {
  ready(queue: string): Promise<number>;
  runtime(queue: string): Promise<number>;
}

/**
 * Horizon's AutoScaler: each pool's share of `maxProcesses` is its time to clear (ready × average runtime) over
 * the total (or its ready size over the total with `autoScalingStrategy: 'size'`); with no runtime known yet a
 * pool with work wants the maximum and an idle one the minimum. Each step moves a pool by at most
 * `balanceMaxShift`, never below `minProcesses` per pool nor above `maxProcesses` in all.
 */
export class AutoBalancer {
  constructor(private readonly load: QueueLoad) {}

  async balance(s: SupervisorSettings, pools: readonly ProcessPool[]): Promise<void> {
    const loads = await Promise.all(
      pools.map(async (pool) => {
        let size = 0;
        let time = 0;
        for (const queue of pool.queues) {
          const ready = await this.load.ready(queue);
          size += ready;
          time += ready > 0 ? ready * (await this.load.runtime(queue)) : 0;
        }
        return { pool, size, time };
      }),
    );
    const totalTime = loads.reduce((sum, l) => sum + l.time, 0);
    const totalSize = loads.reduce((sum, l) => sum + l.size, 0);
    const desired = loads.map(({ pool, size, time }) => {
      let want: number;
      if (totalTime > 0) want = (s.autoScalingStrategy === 'size' ? size / totalSize : time / totalTime) * s.maxProcesses;
      else want = size > 0 ? s.maxProcesses : s.minProcesses;
      return { pool, want };
    });
    // Pools that shrink go first, so the room they free is there for the pools that grow.
    desired.sort((a, b) => a.want - b.want);
    for (const { pool, want } of desired) this.scalePool(s, pools, pool, Math.ceil(want));
  }

  private scalePool(s: SupervisorSettings, pools: readonly ProcessPool[], pool: ProcessPool, desired: number): void {
    const current = pool.total;
    const all = pools.reduce((sum, p) => sum + p.total, 0);
    if (desired > current) {
      const room = Math.min(Math.max(0, s.maxProcesses - all), s.balanceMaxShift);
      const ceiling = Math.max(s.minProcesses, s.maxProcesses - (pools.length - 1) * s.minProcesses);
      pool.scale(Math.min(current + room, ceiling, desired) - (current - pool.size));
    } else if (desired < current) {
      const step = Math.min(current - s.minProcesses, s.balanceMaxShift);
      pool.scale(Math.max(current - step, s.minProcesses, desired) - (current - pool.size));
    }
  }
}
