import type { QueueEvents } from '../events/queue-events.service';
import { LongWaitDetected } from '../events/queue-event.classes';
import type { RedisClient } from '../redis/redis-connections';
import type { MasterState } from './master-registry';
import { SupervisorKeys } from './supervisor-keys';
import type { WaitTimeCalculator } from './wait-time-calculator';

/** Seconds between checks of the wait times. */
const CHECK_EVERY_MS = 5000;
/** Horizon's threshold for a queue that `horizon.waits` does not name; 0 there turns a queue's check off. */
const DEFAULT_THRESHOLD_S = 60;
/** A queue that stays long is reported again after this long. */
const REPEAT_AFTER_MS = 60_000;

/**
 * Horizon's MonitorWaitTimes: every few seconds one master (a short Redis lock) computes the wait of every served
 * queue and emits LongWaitDetected for each one over its `horizon.waits` threshold (default 60 s, 0 = never).
 */
export class WaitMonitor {
  private readonly keys: SupervisorKeys;
  private lastCheck = 0;
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly thresholds: Readonly<Record<string, number>>,
    private readonly calculator: WaitTimeCalculator,
    private readonly events: QueueEvents,
    private readonly masters: () => Promise<MasterState[]>,
  ) {
    this.keys = new SupervisorKeys(prefix);
  }

  async check(now = Date.now()): Promise<void> {
    if (now - this.lastCheck < CHECK_EVERY_MS) return;
    this.lastCheck = now;
    if (!(await this.redis.set(this.keys.waitLock(), '1', 'PX', CHECK_EVERY_MS - 500, 'NX'))) return;
    const workload = await this.calculator.workload(await this.masters(), Object.keys(this.thresholds));
    for (const w of workload) {
      const threshold = this.thresholds[w.name] ?? DEFAULT_THRESHOLD_S;
      if (threshold === 0 || w.wait <= threshold) {
        this.reported.delete(w.name);
        continue;
      }
      const last = this.reported.get(w.name);
      if (last !== undefined && now - last < REPEAT_AFTER_MS) continue;
      this.reported.set(w.name, now);
      await this.events.emit(new LongWaitDetected(w.connection, w.queue, w.wait));
    }
  }
}
