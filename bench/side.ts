/** One contender. Every method starts from an empty Redis (the runner flushes it) and cleans up after itself. */
export interface Side {
  readonly name: string;
  /** Connects; the first scenario of a run is not timed with connection set-up in it. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends `n` jobs in one call; resolves to the milliseconds it took. */
  bulkDispatch(n: number): Promise<number>;
  /**
   * A batch of `n` jobs with a callback when all have run (ours: `bus.batch(...).then(job)`; BullMQ: a FlowProducer
   * parent with `n` children), then a worker at `concurrency`: the ms the dispatch took and the ms from the start of
   * the dispatch to the callback's handler. `plain` sends the same `n` jobs without a batch (one bulk call) and
   * measures until the n-th handler: the per-job cost of a batch is their ratio.
   */
  batch(n: number, concurrency: number, plain?: boolean): Promise<{ dispatchMs: number; doneMs: number }>;
  /** Sends `n` jobs one after another, each awaited; resolves to milliseconds. */
  singleDispatch(n: number): Promise<number>;
  /** Queues `n` jobs (untimed), for the processing and memory scenarios; `padBytes`: each job's data carries that many bytes more. */
  fill(n: number, padBytes?: number): Promise<void>;
  /**
   * Processes the `n` queued jobs with one worker at `concurrency`: the clock starts when the (already
   * connected) worker starts and stops at the `n`-th handler call. Resolves once the worker has stopped.
   * `options.defaults` runs our worker on the library's defaults (`blockFor: null`, `sleep: 3`) instead of the bench's
   * `blockFor: 5` (BullMQ has one config); `options.partial` leaves the rest of the queue waiting (the worker stops
   * after the `n`-th job instead of at the first empty pop).
   */
  process(n: number, concurrency: number, options?: ProcessOptions): Promise<number>;
  /**
   * An idle worker; `n` jobs sent one at a time; per job the ms from the send to the handler's start. With `idle`,
   * each send waits for it first (untimed): the wake scenario waits until the worker is blocked inside Redis.
   */
  latency(n: number, idle?: () => Promise<void>): Promise<number[]>;
  /** Queues `n` jobs (untimed) over four priorities, interleaved (job i at level i % 4, 0 the highest). */
  fillPriorities(n: number): Promise<void>;
  /** Processes them with one worker: ours on the queues `high,default,low,lowest` in strict order, BullMQ by job priority. */
  processPriorities(n: number, concurrency: number): Promise<number>;
  /** Queues `n` jobs (untimed) that throw on their first attempt and succeed on their second (2 tries, no backoff). */
  fillFlaky(n: number): Promise<void>;
  /** Processes them: the clock stops at the `n`-th successful handler call. */
  processFlaky(n: number, concurrency: number): Promise<number>;
  /** Queues `n` jobs (untimed) delayed `seconds`. */
  fillDelayed(n: number, seconds: number): Promise<void>;
  /**
   * Queues `n` jobs and takes them as a worker that dies would: reserved (ours, on a connection with `retryAfter: 1`)
   * or active with a 1 s lock (BullMQ), never settled. Resolves (untimed) once every reservation has lapsed.
   */
  abandon(n: number): Promise<void>;
  /** A fresh worker at `concurrency` takes the `n` abandoned jobs back and runs them: ms from its start to the `n`-th handler. */
  recover(n: number, concurrency: number): Promise<number>;
  /**
   * A worker at `concurrency`; jobs sent one by one (each its own dispatch, not awaited one after another) at `rate`
   * per second for `seconds`: per job the ms from its send to its handler's start, and the rate actually offered.
   */
  sustained(rate: number, seconds: number, concurrency: number): Promise<{ latencies: number[]; offered: number }>;
}

export interface ProcessOptions {
  defaults?: boolean;
  partial?: boolean;
}

/** Our four priority queues, highest first; BullMQ's job priorities 1–4 stand for them. */
export const PRIORITY_QUEUES = ['high', 'default', 'low', 'lowest'] as const;

/** The same no-op handler on both sides: count the call, and say when the count is reached. */
export class HandlerCounter {
  private count = 0;
  private target = Infinity;
  private onTarget: (() => void) | null = null;
  private onCall: ((at: number) => void) | null = null;
  private onItem: ((id: number, at: number) => void) | null = null;

  /** Called first thing in each handler, with the job's `userId`. */
  hit(id?: number): void {
    this.count++;
    if (this.onCall) this.onCall(performance.now());
    if (this.onItem && id !== undefined) this.onItem(id, performance.now());
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

  /** Calls `fn` with the id and time of every handler call from now on; null: no more. */
  each(fn: ((id: number, at: number) => void) | null): void {
    this.onItem = fn;
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

/** A small job body, the same on both sides; `padBytes` > 0 adds a string of that many bytes (the payload-size scenarios). */
export const jobData = (i: number, padBytes = 0): { userId: number; action: string; pad?: string } =>
  padBytes > 0 ? { userId: i, action: 'noop', pad: padOf(padBytes) } : { userId: i, action: 'noop' };

const pads = new Map<number, string>();
const padOf = (bytes: number): string => {
  let pad = pads.get(bytes);
  if (pad === undefined) pads.set(bytes, (pad = 'x'.repeat(bytes)));
  return pad;
};

/** Jobs per dispatch call when filling a queue: about 10 MB of payloads a call at most. */
export const fillChunk = (padBytes = 0): number => Math.max(100, Math.min(10_000, Math.floor(10_000_000 / Math.max(1, padBytes))));

/**
 * Offers `rate` jobs per second for `seconds` through `send(i)` (i = the job's `userId`, 0…n-1), each send started on
 * time and not awaited before the next; resolves when all `n` have been handled, with per job the ms from its send
 * to its handler's start (the handlers report through `counter`) and the rate actually offered.
 */
export async function offerLoad(
  counter: HandlerCounter,
  rate: number,
  seconds: number,
  send: (i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; offered: number }> {
  const n = Math.round(rate * seconds);
  const sentAt = new Float64Array(n);
  const latencies = new Float64Array(n);
  const all = counter.expect(n);
  counter.each((id, at) => {
    latencies[id] = at - sentAt[id];
  });
  const sends: Promise<unknown>[] = [];
  const t0 = performance.now();
  let sent = 0;
  try {
    while (sent < n) {
      const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        sentAt[sent] = performance.now();
        sends.push(send(sent));
      }
      await sleep(1);
    }
    const offered = (n / (performance.now() - t0)) * 1000;
    await Promise.all(sends);
    await all;
    return { latencies: Array.from(latencies), offered };
  } finally {
    counter.each(null);
  }
}
