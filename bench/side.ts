/** One contender. Every method starts from an empty Redis (the runner flushes it) and cleans up after itself. */
export interface Side {
  readonly name: string;
  /** Connects; the first scenario of a run is not timed with connection set-up in it. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends `n` jobs in one call; resolves to the milliseconds it took. */
  bulkDispatch(n: number): Promise<number>;
  /** Sends `n` jobs one after another, each awaited; resolves to milliseconds. */
  singleDispatch(n: number): Promise<number>;
  /** Queues `n` jobs (untimed), for the processing and memory scenarios. */
  fill(n: number): Promise<void>;
  /**
   * Processes the `n` queued jobs with one worker at `concurrency`: the clock starts when the (already
   * connected) worker starts and stops at the `n`-th handler call. Resolves once the worker has stopped.
   */
  process(n: number, concurrency: number): Promise<number>;
  /**
   * An idle worker; `n` jobs sent one at a time; per job the ms from the send to the handler's start. With `idle`,
   * each send waits for it first (untimed): the wake scenario waits until the worker is blocked inside Redis.
   */
  latency(n: number, idle?: () => Promise<void>): Promise<number[]>;
}

/** The same no-op handler on both sides: count the call, and say when the count is reached. */
export class HandlerCounter {
  private count = 0;
  private target = Infinity;
  private onTarget: (() => void) | null = null;
  private onCall: ((at: number) => void) | null = null;

  /** Called first thing in each handler. */
  hit(): void {
    this.count++;
    if (this.onCall) this.onCall(performance.now());
    if (this.count === this.target && this.onTarget) this.onTarget();
  }

  /** Resets and resolves when `n` calls have been made; the promise carries the time of the n-th call. */
  expect(n: number): Promise<number> {
    this.count = 0;
    this.target = n;
    return new Promise((resolve) => {
      this.onTarget = () => resolve(performance.now());
    });
  }

  /** The time of the next handler call. */
  next(): Promise<number> {
    return new Promise((resolve) => {
      this.onCall = (at) => {
        this.onCall = null;
        resolve(at);
      };
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A small job body, the same on both sides. */
export const jobData = (i: number) => ({ userId: i, action: 'noop' });
