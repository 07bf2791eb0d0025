import { Logger } from '@nestjs/common';
import type { QueueDriver, ReservedJob } from '../drivers/queue-driver.interface';
import type { AtomicStore } from '../stores/atomic-store.interface';
import { QueueEvents } from '../events/queue-events.service';
import { Looping, WorkerStopping } from '../events/queue-event.classes';
import { JobRunner, RunDefaults } from './job-runner';
import { WORKER_EXIT_CODES, WorkerStopReason } from './worker-options.interface';
import { FailedJobStoreUnavailableError } from '../errors';
import { Sleeper } from './sleeper';
import { MemoryGauge } from './memory-gauge';
import { Watchdog, WatchdogTarget } from './watchdog';
import { SettleTrackingDriver } from './settle-tracking-driver';

export interface LoopSettings {
  connection: string;
  queues: string[];
  concurrency: number;
  sleep: number;
  maxJobs: number;
  maxTime: number;
  memory: number;
  rest: number;
  once: boolean;
  stopWhenEmpty: boolean;
  defaults: RunDefaults;
  /** Keys for the restart timestamp and for pausing queues. */
  restartKey: string;
  pausedKey: (queue: string) => string;
  /** Where a watchdog thread keeps reservations and the timeout (Redis connections), or null for none. */
  watchdog: WatchdogTarget | null;
}

/** How often (ms) the loop reads the restart timestamp and paused queues, at most. */
const CONTROL_INTERVAL_MS = 1000;

/**
 * One `Worker.run()`: up to `concurrency` jobs in hand, queues in strict order, stop checks after every job,
 * reservations of jobs in hand extended by a heartbeat, and one shared idle wait (a blocking pop or a sleep).
 */
export class WorkerLoop {
  private readonly logger = new Logger('nestjs-queue:worker');
  private stopReason: WorkerStopReason | null = null;
  private readonly inHand = new Set<ReservedJob>();
  /** Jobs in hand whose reservation the run has already acked or released: the heartbeat leaves them alone. */
  private readonly settled = new WeakSet<ReservedJob>();
  /** The driver as runs see it: their acks and releases are noted in `settled`. */
  private readonly runDriver: QueueDriver;
  private taken = 0;
  private finished = 0;
  private readonly startedAt = Date.now();
  private readonly sleeper = new Sleeper();
  private readonly memory: MemoryGauge;
  /** Keeps the reservations in hand and the timeout from a thread of its own; null: the heartbeat runs here. */
  private watchdog: Watchdog | null;
  private idle: Promise<void> | null = null;
  /** When (ms) the shared idle wait ends at the latest. */
  private idleUntil = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private restartStamp: string | null = null;
  private controlCheckedAt = 0;
  private activeQueues: string[];
  private outage = false;

  constructor(
    private readonly driver: QueueDriver,
    private readonly runner: JobRunner,
    private readonly events: QueueEvents,
    /** Where the restart and pause signals of the connection are read (its Redis server, or its database). */
    private readonly signals: AtomicStore | null,
    private readonly s: LoopSettings,
  ) {
    this.activeQueues = s.queues;
    this.memory = new MemoryGauge(s.memory);
    this.runDriver = new SettleTrackingDriver(driver, (job) => {
      this.settled.add(job);
      this.watchdog?.drop(job);
    });
    this.watchdog = null;
    if (s.watchdog) {
      try {
        this.watchdog = new Watchdog(s.watchdog, s.queues, Math.max(1, s.concurrency), {
          lost: (jobs) => this.warnLost(jobs),
          failed: (error, fatal) => this.watchdogFailed(error, fatal),
        });
      } catch (error) {
        this.watchdogFailed(error instanceof Error ? error : new Error(String(error)), true);
      }
    }
  }

  get exitCode(): number {
    return this.stopReason ? WORKER_EXIT_CODES[this.stopReason] : 0;
  }

  stop(reason: WorkerStopReason = 'stopped'): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.sleeper.wakeAll();
    if (this.idle) void this.driver.close();
  }

  async run(): Promise<WorkerStopReason> {
    try {
      await this.readControl(true);
    } catch (error) {
      this.reportOutage(error);
    }
    if (this.watchdog) await this.watchdog.ready();
    if (!this.watchdog?.alive) this.startHeartbeat();
    // --max-time holds whatever the loop is waiting on (a Redis outage, a slow store): jobs in hand still finish.
    const deadline = this.s.maxTime > 0 ? setTimeout(() => this.stop('max-time'), Math.max(0, this.startedAt + this.s.maxTime * 1000 - Date.now())) : null;
    deadline?.unref();
    try {
      await Promise.all(Array.from({ length: Math.max(1, this.s.concurrency) }, (_, i) => this.slot(i)));
    } finally {
      if (this.heartbeat) clearInterval(this.heartbeat);
      if (deadline) clearTimeout(deadline);
      this.watchdog?.close();
      await this.driver.close();
    }
    const reason = this.stopReason ?? 'stopped';
    if (this.events.has(WorkerStopping)) await this.events.emit(new WorkerStopping(this.s.connection, WORKER_EXIT_CODES[reason], reason));
    return reason;
  }

  private async slot(index: number): Promise<void> {
    let ack: ReservedJob | undefined;
    let waited = false;
    while (!this.stopReason) {
      if (this.s.maxJobs > 0 && this.taken >= this.s.maxJobs) break;
      if (this.s.once && this.taken >= 1) break;
      if (this.events.has(Looping)) await this.events.emit(new Looping(this.s.connection, this.activeQueues.join(',')));
      let jobs: ReservedJob[];
      try {
        jobs = await this.driver.pop(this.activeQueues, 1, ack);
        ack = undefined;
        this.recovered();
      } catch (error) {
        if (this.stopReason) break;
        this.reportOutage(error);
        await this.sleeper.sleep(1000);
        // As Laravel's failed pop: no job this time round, so --once and --stop-when-empty stop here too.
        if (this.s.once) this.stop('once');
        else if (this.s.stopWhenEmpty && this.inHand.size === 0) this.stop('empty');
        continue;
      }
      if (jobs.length === 0) {
        // A blocking connection waits inside Redis once before --once gives up, as Laravel's pop does. --stop-when-empty
        // stops at the first pop that finds nothing (jobs delayed but not due do not keep it running).
        if (this.s.once && !waited && this.driver.blockFor) {
          waited = true;
          await this.waitForWork();
          continue;
        }
        if (this.s.once) this.stop('once');
        else if (this.s.stopWhenEmpty && this.inHand.size === 0) this.stop('empty');
        else await this.waitForWork();
        continue;
      }
      const job = jobs[0];
      waited = false;
      this.taken++;
      this.inHand.add(job);
      let result;
      try {
        let watched = false;
        const running = this.runner.process(this.runDriver, job, this.s.defaults, (overrunAt) => {
          watched = true;
          this.watchdog?.hold(index, job, overrunAt);
        });
        if (!watched) this.watchdog?.hold(index, job, 0); // unreadable or out of tries: kept while its failure is written
        result = await running;
      } catch (error) {
        // Redis or the failed store failed mid-job: the reservation stays and the job returns after retryAfter.
        // The store reports its own outage (once); only Redis's is the connection's.
        if (!(error instanceof FailedJobStoreUnavailableError)) this.reportOutage(error);
        result = 'handled' as const;
      } finally {
        this.inHand.delete(job);
        this.watchdog?.drop(job);
      }
      this.finished++;
      if (result === 'done') ack = job;
      if (result === 'stuck') {
        this.logger.error(`A ${job.queue} job ignored its timeout and is still running; stopping the worker so it can be restarted.`);
        this.stop('timeout');
      }
      await this.checkAfterJob();
      if (this.s.rest > 0 && !this.stopReason) await this.sleeper.sleep(this.s.rest * 1000);
    }
    if (ack) {
      try {
        await this.driver.ack(ack);
      } catch (error) {
        this.reportOutage(error);
      }
    }
  }

  /** Stop checks after each job, in Laravel's order. */
  private async checkAfterJob(): Promise<void> {
    if (this.stopReason) return;
    if (this.memory.overLimit()) return this.stop('memory');
    try {
      await this.readControl(false);
    } catch (error) {
      this.reportOutage(error);
    }
    if (this.stopReason) return;
    if (this.s.once) return this.stop('once');
    if (this.s.maxTime > 0 && Date.now() - this.startedAt >= this.s.maxTime * 1000) return this.stop('max-time');
    if (this.s.maxJobs > 0 && this.finished >= this.s.maxJobs) return this.stop('max-jobs');
  }

  /** Reads the restart timestamp and which queues are paused, at most once a second. */
  private async readControl(initial: boolean): Promise<void> {
    if (!this.signals) return;
    const now = Date.now();
    if (!initial && now - this.controlCheckedAt < CONTROL_INTERVAL_MS) return;
    this.controlCheckedAt = now;
    const keys = [this.s.restartKey, ...this.s.queues.map(this.s.pausedKey)];
    const values = await this.signals.getMany(keys);
    const [stamp, ...paused] = values;
    if (initial) this.restartStamp = stamp;
    else if (stamp !== this.restartStamp) return this.stop('restart');
    this.activeQueues = this.s.queues.filter((_, i) => !paused[i]);
  }

  /**
   * One idle wait shared by every slot: a blocking pop when the connection blocks, else a sleep; either ends by the
   * time the earliest delayed job the last pop saw is due, and early when a delayed job due sooner is added.
   */
  private waitForWork(): Promise<void> {
    const dueAt = this.driver.nextDueAt?.(this.activeQueues) ?? null;
    if (this.idle) {
      if (dueAt === null || dueAt >= this.idleUntil) return this.idle;
      // This slot's pop saw a job due before the shared wait ends: it pops again then; the wait goes on for pushes.
      return Promise.race([this.idle, this.sleeper.sleep(dueAt - Date.now())]);
    }
    const until = () => {
      const blockFor = this.driver.blockFor;
      const blocking = blockFor !== null && blockFor > 0 && this.activeQueues.length > 0;
      const ms = (blocking ? (blockFor as number) : this.s.sleep) * 1000;
      return { blocking, at: Date.now() + (dueAt === null ? ms : Math.min(ms, Math.max(0, dueAt - Date.now()))) };
    };
    this.idleUntil = until().at;
    const wait = async () => {
      try {
        if (this.s.maxTime > 0 && Date.now() - this.startedAt >= this.s.maxTime * 1000) return this.stop('max-time');
        await this.readControl(false);
        // Stopped while it read the control keys: a wait begun now would outlast the stop by blockFor.
        if (this.stopReason) return;
        const { blocking, at } = until(); // the paused queues may have changed
        this.idleUntil = at;
        const seconds = (at - Date.now()) / 1000;
        if (seconds <= 0) return;
        if (blocking) await this.driver.waitForJobs(this.activeQueues, seconds);
        else if (this.driver.waitForDue && this.activeQueues.length > 0) await this.driver.waitForDue(this.activeQueues, seconds);
        else await this.sleeper.sleep(seconds * 1000);
      } catch (error) {
        if (!this.stopReason) {
          this.reportOutage(error);
          await this.sleeper.sleep(1000);
        }
      } finally {
        this.idle = null;
      }
    };
    this.idle = wait();
    return this.idle;
  }

  /** The heartbeat in this thread, when there is no watchdog thread to keep the reservations. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    // Twice per reservation, so a late beat still lands before it lapses (a 1 s floor would equal a 1 s retryAfter).
    const beat = Math.max(100, this.driver.retryAfter * 500);
    this.heartbeat = setInterval(() => void this.extendReservations(), beat);
    this.heartbeat.unref();
  }

  private async extendReservations(): Promise<void> {
    const held = [...this.inHand].filter((job) => !this.settled.has(job));
    if (held.length === 0) return;
    try {
      this.warnLost(await this.driver.extend(held));
    } catch (error) {
      this.reportOutage(error);
    }
  }

  private warnLost(lost: readonly ReservedJob[]): void {
    for (const job of lost) {
      // Given up (acked, released, failed) or finished while the extend was on its way: not lost.
      if (!this.inHand.has(job) || this.settled.has(job)) continue;
      this.logger.warn(`The reservation of a ${job.queue} job had expired before the heartbeat: it may run twice.`);
    }
  }

  private watchdogFailed(error: Error, fatal: boolean): void {
    // The thread's Redis failing is an outage the loop's own commands report (once); the thread goes on trying.
    if (!fatal) return;
    this.logger.warn(
      `The watchdog thread failed (${error.message}); reservations are kept from the main thread now, and a handler ` +
        `that blocks the event loop is no longer stopped.`,
    );
    this.watchdog = null;
    if (!this.stopReason || this.inHand.size > 0) this.startHeartbeat();
  }

  private reportOutage(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.error(`Queue connection ${this.s.connection} failed: ${outageCause(error)}. Retrying until it is back.`);
  }

  private recovered(): void {
    if (!this.outage) return;
    this.outage = false;
    this.logger.log(`Queue connection ${this.s.connection} is back.`);
  }
}

/** What went wrong, in words for the outage log line (ioredis's retry-limit message points at an option, not the cause). */
function outageCause(error: unknown): string {
  if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') return 'Redis is unreachable';
  return (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
}
