/** The time the scheduler reads and how it waits: the system's, or a fake one in tests. */
export interface SchedulerClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Date.now() and setTimeout. */
export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** Options of the Scheduler, provided under SCHEDULER_OPTIONS (all optional). */
export interface SchedulerOptions {
  clock?: SchedulerClock;
  /** Seconds a claim stays held while its dispatch is in flight; past it another scheduler may take the due time. Default 15. */
  leaseSeconds?: number;
  /** How late a due time may still be dispatched (a scheduler that fell behind, a dispatch being retried). Default 300. */
  catchUpSeconds?: number;
}

export const SCHEDULER_OPTIONS = Symbol.for('nestjs-queue:scheduler-options');
