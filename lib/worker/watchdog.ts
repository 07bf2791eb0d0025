import { join } from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import type { ReservedJob } from '../drivers/queue-driver.interface';
import { LuaScript } from '../redis/lua-script';
import { WATCHDOG_THREAD_SOURCE } from './watchdog-thread';

/** How long (ms) the main thread may leave a ping unanswered, once a job is past its timeout + grace. */
const PONG_WAIT_MS = 3000;
/** How often (ms) the thread looks at the jobs in hand while it holds any. */
const TICK_MS = 100;
/** A thread no loop uses is closed after this long (ms), so back-to-back runs (`--once` in a loop) share one. */
const LINGER_MS = 10000;
/** A run waits at most this long (ms) for a new thread before it takes jobs. */
const READY_WAIT_MS = 10000;

/** Where the watchdog's own Redis connection goes, and how it names reservations. */
export interface WatchdogTarget {
  /** ioredis options of the server (functions are dropped: they cannot cross to the thread). */
  server: Record<string, unknown>;
  /** Cluster start-up nodes, or null for a single server. */
  cluster: unknown[] | null;
  /** The reserved set of a queue. */
  reservedKey(queue: string): string;
  retryAfter: number;
  /** The exit code of a worker stopped for 'timeout'. */
  exitCode: number;
}

export interface WatchdogEvents {
  /** Reservations of jobs in hand that were gone when the thread tried to extend them. */
  lost(jobs: ReservedJob[]): void;
  /** The thread's Redis failed (not fatal), or the thread itself did (fatal: it is gone). */
  failed(error: Error, fatal: boolean): void;
}

type ThreadMessage = { t: 'ready' } | { t: 'ping'; seq: number } | { t: 'lost'; ids: number[] } | { t: 'error'; message: string };

let extendScript: LuaScript | undefined;
let nextId = 1;

/** One thread per Redis server and exit code, shared by the loops of the process. */
class WatchdogThread {
  private static readonly shared = new Map<string, WatchdogThread>();
  readonly ready: Promise<void>;
  private readonly thread: Thread;
  private readonly owners = new Map<number, Watchdog>();
  private users = 0;
  private linger: NodeJS.Timeout | null = null;
  private gone = false;

  static acquire(target: WatchdogTarget): WatchdogThread {
    const key = JSON.stringify([target.server, target.cluster, target.exitCode]);
    let thread = WatchdogThread.shared.get(key);
    if (!thread || thread.gone) {
      thread = new WatchdogThread(target, () => WatchdogThread.shared.delete(key));
      WatchdogThread.shared.set(key, thread);
    }
    thread.use();
    return thread;
  }

  private constructor(
    target: WatchdogTarget,
    private readonly forget: () => void,
  ) {
    extendScript ??= new LuaScript(join(__dirname, '..', 'drivers', 'redis', 'scripts', 'extend.lua'));
    this.thread = new Thread(WATCHDOG_THREAD_SOURCE, {
      eval: true,
      workerData: {
        ioredis: require.resolve('ioredis'),
        server: target.server,
        cluster: target.cluster,
        extendSha: extendScript.sha,
        extendSource: extendScript.source,
        exitCode: target.exitCode,
        pongWaitMs: PONG_WAIT_MS,
        tickMs: TICK_MS,
      },
      // The thread needs none of the parent's --require hooks or inspector flags.
      execArgv: [],
    });
    this.thread.unref();
    let readied: () => void = () => undefined;
    this.ready = new Promise<void>((resolve) => (readied = resolve));
    this.thread.on('message', (m: ThreadMessage) => {
      if (m.t === 'ready') readied();
      else if (m.t === 'ping') this.thread.postMessage({ t: 'pong', seq: m.seq });
      else if (m.t === 'lost') this.lost(m.ids);
      else if (m.t === 'error') for (const owner of new Set(this.owners.values())) owner.events.failed(new Error(m.message), false);
    });
    const end = (error: Error) => {
      readied();
      if (this.gone) return;
      this.gone = true;
      this.forget();
      for (const owner of new Set(this.owners.values())) owner.events.failed(error, true);
      this.owners.clear();
    };
    this.thread.on('error', end);
    this.thread.on('exit', (code) => end(new Error(`the watchdog thread exited (code ${code})`)));
  }

  get alive(): boolean {
    return !this.gone;
  }

  hold(owner: Watchdog, id: number, message: Record<string, unknown>): void {
    if (this.gone) return;
    this.owners.set(id, owner);
    this.thread.postMessage({ t: 'hold', id, ...message });
  }

  drop(id: number): void {
    if (!this.owners.delete(id) || this.gone) return;
    this.thread.postMessage({ t: 'drop', id });
  }

  release(): void {
    this.users--;
    if (this.users > 0 || this.gone) return;
    this.linger = setTimeout(() => this.close(), LINGER_MS);
    this.linger.unref();
  }

  private use(): void {
    this.users++;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
  }

  private close(): void {
    if (this.users > 0 || this.gone) return;
    this.gone = true;
    this.forget();
    this.thread.postMessage({ t: 'close' });
    // It ends by itself once its connection is closed; never wait on one that does not.
    const timer = setTimeout(() => void this.thread.terminate(), 1000);
    timer.unref();
  }

  private lost(ids: number[]): void {
    const byOwner = new Map<Watchdog, number[]>();
    for (const id of ids) {
      const owner = this.owners.get(id);
      if (!owner) continue;
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), id]);
    }
    for (const [owner, list] of byOwner) owner.lost(list);
  }
}

/**
 * The worker's watchdog (Laravel gets the same from SIGALRM): a worker thread, with a Redis connection of its own,
 * keeps the reservations of the jobs in hand alive and ends the process when a job overruns its timeout + grace
 * while the main thread does not answer, i.e. when a handler blocks the event loop, which defeats both the timeout
 * timer and any heartbeat in the loop. Per job the main thread posts one message when it takes the job and one when
 * it is done with it; nothing else runs on the hot path.
 */
export class Watchdog {
  private readonly thread: WatchdogThread;
  private readonly ids = new Map<ReservedJob, number>();
  private readonly jobs = new Map<number, ReservedJob>();
  private closed = false;

  constructor(
    private readonly target: WatchdogTarget,
    readonly events: WatchdogEvents,
  ) {
    this.thread = WatchdogThread.acquire(target);
  }

  /** Resolves once the thread runs (bounded), so the first job's reservation is kept from the start. */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.thread.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, READY_WAIT_MS)))]);
    clearTimeout(timer);
  }

  get alive(): boolean {
    return this.thread.alive && !this.closed;
  }

  /** A job in hand: its reservation is extended until drop(); `deadline` (epoch ms, 0 = none) is when it overruns. */
  hold(job: ReservedJob, deadline: number): void {
    if (this.closed || this.ids.has(job)) return;
    const id = nextId++;
    this.ids.set(job, id);
    this.jobs.set(id, job);
    this.thread.hold(this, id, {
      key: this.target.reservedKey(job.queue), raw: job.raw, queue: job.queue, retryAfter: this.target.retryAfter, since: Date.now(), deadline,
    });
  }

  /** The job is no longer ours to keep (acked, released, failed or finished). */
  drop(job: ReservedJob): void {
    const id = this.ids.get(job);
    if (id === undefined) return;
    this.ids.delete(job);
    this.jobs.delete(id);
    this.thread.drop(id);
  }

  close(): void {
    if (this.closed) return;
    for (const id of this.jobs.keys()) this.thread.drop(id);
    this.ids.clear();
    this.jobs.clear();
    this.closed = true;
    this.thread.release();
  }

  /** Called by the thread with ids of this loop's jobs whose reservation was gone. */
  lost(ids: number[]): void {
    const jobs = ids.map((id) => this.jobs.get(id)).filter((j): j is ReservedJob => j !== undefined);
    if (jobs.length) this.events.lost(jobs);
  }
}

/** ioredis options that can be copied to another thread: no functions (they cannot cross; ioredis's defaults apply). */
export function transferableOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'function') continue;
    if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)) {
      out[key] = transferableOptions(value as Record<string, unknown>);
    } else {
      out[key] = value;
    }
  }
  return out;
}
