import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { Bus } from '../bus/bus';
import type { JobClass } from '../bus/job-descriptor';
import { RedisConnections } from '../redis/redis-connections';
import { QueueConfigError } from '../errors';
import { ScheduleClaims } from './schedule-claims';
import { ScheduleTasks } from './schedule-tasks';
import { SCHEDULER_OPTIONS, SchedulerClock, SchedulerOptions, systemClock } from './scheduler-clock';
import type { ScheduledDispatch, ScheduledTask } from './scheduled-task.interface';

/** A due time that could not be dispatched (yet): the claim or the dispatch threw. */
export interface ScheduledDispatchError {
  task: ScheduledTask;
  due: Date;
  error: unknown;
  /** True while the due time is still retried; false when it is given up (older than the catch-up window). */
  willRetry: boolean;
  /** How many times this process has failed this due time so far (1 on the first failure). */
  attempt: number;
}

interface TaskState {
  task: ScheduledTask;
  next: Date | null;
}

interface Retry {
  task: ScheduledTask;
  due: Date;
  at: number;
  /** Failures of this process on this due time; 0 while it only waits for another scheduler's claim. */
  failures: number;
}

/** A claim held by another scheduler is asked about again after this long. */
const RECHECK_MS = 1000;
/** A failed claim or dispatch is retried after 1 s, 2 s, 4 s... up to this. */
const MAX_RETRY_MS = 10_000;
/** The loop wakes at least this often, so a clock step or a retry is never waited out. */
const MAX_SLEEP_MS = 1000;

/**
 * Dispatches every scheduled task at each of its due times, exactly once across every process that runs a
 * Scheduler on the same Redis and prefix. Any process can host one: `start()` begins (from now: due times
 * before the start are not replayed), `stop()` ends it once the dispatches in hand are done.
 *
 * Each due time is claimed in Redis (SET NX on `<prefix>schedule:<task id>:<epoch seconds>`, with a lease),
 * then dispatched through the Bus, then marked done. A dispatch that throws releases its claim and the due
 * time is retried, by this or any other scheduler, for up to `catchUpSeconds`; a scheduler that dies between
 * claim and dispatch loses its lease and another one takes the due time. See the README's "Scheduler".
 */
@Injectable()
export class Scheduler implements BeforeApplicationShutdown {
  /** Names this process's claims in Redis. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('nestjs-queue:scheduler');
  private readonly clock: SchedulerClock;
  private readonly leaseMs: number;
  private readonly catchUpMs: number;
  private readonly dispatchListeners = new Set<(d: ScheduledDispatch) => void>();
  private readonly errorListeners = new Set<(e: ScheduledDispatchError) => void>();
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly tasks: ScheduleTasks,
    private readonly bus: Bus,
    private readonly connections: RedisConnections,
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
    @Optional() @Inject(SCHEDULER_OPTIONS) options?: SchedulerOptions,
  ) {
    this.clock = options?.clock ?? systemClock;
    this.leaseMs = (options?.leaseSeconds ?? 15) * 1000;
    this.catchUpMs = (options?.catchUpSeconds ?? 300) * 1000;
  }

  /** Every scheduled task, in declaration order (`@Scheduled` first, then the `schedule` config). */
  list(): readonly ScheduledTask[] {
    return this.tasks.all();
  }

  /** The task's first due time after `after` (default now), or null when none comes. */
  nextDue(task: ScheduledTask, after: Date = new Date(this.clock.now())): Date | null {
    return task.schedule.next(after);
  }

  get running(): boolean {
    return this.loop !== null;
  }

  /** Starts the loop in the background (idempotent). Throws when there is no Redis to keep claims in. */
  async start(): Promise<void> {
    if (this.loop) return;
    const tasks = this.tasks.all();
    const server = this.claimServer();
    const claims = new ScheduleClaims(() => this.connections.get(server), this.config.prefix, this.owner);
    const controller = new AbortController();
    this.controller = controller;
    this.loop = this.run(tasks, claims, controller.signal)
      .catch((error: unknown) => this.logger.error(`The scheduler stopped: ${error instanceof Error ? error.stack : String(error)}`))
      .finally(() => {
        if (this.controller === controller) {
          this.controller = null;
          this.loop = null;
        }
      });
  }

  /** Stops the loop; resolves once the dispatches in hand have finished and their claims are settled. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.controller?.abort();
    await loop;
  }

  /** Resolves when the loop has ended (at once when it is not running). */
  async whenStopped(): Promise<void> {
    await this.loop;
  }

  /** Called with each due time dispatched by this process. Returns a function that removes the listener. */
  onDispatch(listener: (dispatch: ScheduledDispatch) => void): () => void {
    this.dispatchListeners.add(listener);
    return () => this.dispatchListeners.delete(listener);
  }

  /**
   * Called on each failed claim or dispatch (retried after 1 s, 2 s, 4 s... up to 10 s) and when a due time is
   * given up. Without a listener, the first failure of each due time and each give-up are logged.
   */
  onError(listener: (failure: ScheduledDispatchError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Dispatches, through the Bus and without claims, every task with a due time in the second that holds `at`
   * (what `runScheduleAt` in nestjs-queue/testing calls).
   */
  async dispatchDueAt(at: Date): Promise<ScheduledDispatch[]> {
    const due = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const out: ScheduledDispatch[] = [];
    for (const task of this.tasks.all()) {
      if (task.schedule.isDueAt(due)) out.push({ task, due, jobId: await this.dispatch(task) });
    }
    return out;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  // ---- the loop -------------------------------------------------------------------------------------------

  private async run(tasks: readonly ScheduledTask[], claims: ScheduleClaims, signal: AbortSignal): Promise<void> {
    const started = new Date(this.clock.now());
    const states: TaskState[] = tasks.map((task) => ({ task, next: task.schedule.next(started) }));
    const retries = new Map<string, Retry>();
    while (!signal.aborted) {
      const now = this.clock.now();
      const work = new Map<ScheduledTask, Date[]>();
      const add = (task: ScheduledTask, due: Date) => work.set(task, [...(work.get(task) ?? []), due]);
      for (const state of states) {
        if (state.next && now - state.next.getTime() > this.catchUpMs) {
          // Far behind (the process was suspended): skip to the catch-up window rather than walk every tick.
          this.logger.warn(`${state.task.jobName}: due times from ${state.next.toISOString()} are more than ${this.catchUpMs / 1000}s late and are skipped`);
          state.next = state.task.schedule.next(new Date(now - this.catchUpMs));
        }
        while (state.next && state.next.getTime() <= now) {
          add(state.task, state.next);
          state.next = state.task.schedule.next(state.next);
        }
      }
      for (const [key, retry] of retries) {
        if (now - retry.due.getTime() > this.catchUpMs) {
          retries.delete(key);
          const error = new Error(`not dispatched within ${this.catchUpMs / 1000}s of its due time; given up`);
          this.fail({ task: retry.task, due: retry.due, error, willRetry: false, attempt: retry.failures });
        } else if (retry.at <= now) {
          add(retry.task, retry.due);
        }
      }
      await Promise.all(
        [...work].map(async ([task, dues]) => {
          // Oldest first: a due time being retried goes out before the one that just came due.
          for (const due of dues.sort((a, b) => a.getTime() - b.getTime())) await this.handle(task, due, claims, retries);
        }),
      );
      if (signal.aborted) break;
      const after = this.clock.now();
      let wake = after + MAX_SLEEP_MS;
      for (const state of states) if (state.next) wake = Math.min(wake, state.next.getTime());
      for (const retry of retries.values()) wake = Math.min(wake, Math.max(retry.at, after));
      if (wake > after) await this.clock.sleep(wake - after, signal);
    }
  }

  /** Claim, dispatch, mark done; on a failed dispatch release the claim and retry. */
  private async handle(task: ScheduledTask, due: Date, claims: ScheduleClaims, retries: Map<string, Retry>): Promise<void> {
    const key = claims.key(task.id, due);
    const failures = retries.get(key)?.failures ?? 0;
    const recheck = () => retries.set(key, { task, due, at: this.clock.now() + RECHECK_MS, failures });
    const failed = (error: unknown) => {
      const delay = Math.min(RECHECK_MS * 2 ** failures, MAX_RETRY_MS);
      retries.set(key, { task, due, at: this.clock.now() + delay, failures: failures + 1 });
      this.fail({ task, due, error, willRetry: true, attempt: failures + 1 });
    };
    let outcome;
    try {
      outcome = await claims.claim(key, this.leaseMs);
    } catch (error) {
      return failed(error);
    }
    if (outcome === 'done') {
      retries.delete(key);
      return;
    }
    if (outcome === 'held') {
      // Another scheduler is dispatching it; ask again, in case it fails or dies before it is done.
      recheck();
      return;
    }
    let jobId: string | null;
    try {
      jobId = await this.dispatch(task);
    } catch (error) {
      await claims.release(key).catch(() => undefined); // if this fails too, the lease runs out instead
      return failed(error);
    }
    retries.delete(key);
    try {
      const mine = await claims.complete(key, jobId, this.catchUpMs + this.leaseMs + 60_000);
      if (!mine) this.logger.warn(`${task.jobName} due ${due.toISOString()}: the dispatch outlived its ${this.leaseMs / 1000}s claim; another scheduler may dispatch it too`);
    } catch (error) {
      this.logger.warn(`${task.jobName} due ${due.toISOString()} was dispatched but could not be marked done: ${String(error)}`);
    }
    for (const listener of this.dispatchListeners) listener({ task, due, jobId });
  }

  private async dispatch(task: ScheduledTask): Promise<string | null> {
    const pending = this.bus.dispatch(task.jobClass as JobClass, task.data as never);
    if (task.connection) pending.onConnection(task.connection);
    if (task.queue) pending.onQueue(task.queue);
    return await pending;
  }

  private fail(failure: ScheduledDispatchError): void {
    if (this.errorListeners.size === 0 && (failure.attempt <= 1 || !failure.willRetry)) {
      const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
      this.logger.error(`${failure.task.jobName} due ${failure.due.toISOString()}: ${message}${failure.willRetry ? ' (retrying)' : ''}`);
    }
    for (const listener of this.errorListeners) listener(failure);
  }

  /** The Redis server claims live on: the default connection's, else any Redis connection's, else the first server. */
  private claimServer(): string {
    const connections = Object.values(this.config.connections);
    const preferred = this.config.connections[this.config.default];
    const redis = preferred?.driver === 'redis' ? preferred : connections.find((c) => c.driver === 'redis');
    if (redis?.driver === 'redis') return redis.server;
    const first = Object.keys(this.config.redis)[0];
    if (first !== undefined) return first;
    throw new QueueConfigError('redis', 'the scheduler keeps its claims in Redis and no Redis server is configured: add one under "redis"');
  }
}
