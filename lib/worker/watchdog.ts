import { join } from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import type { ReservedJob } from '../drivers/queue-driver.interface';
import { LuaScript } from '../redis/lua-script';
import { WATCHDOG_THREAD_SOURCE } from './watchdog-thread';
import type { DatabaseQueueDriver } from '../drivers/database/database-queue.driver';

/** How long (ms) the main thread may leave a ping unanswered, once a job is past its timeout + grace. */
const PONG_WAIT_MS = 3000;
/** How often (ms) the thread looks at the jobs in hand while it holds any. */
const TICK_MS = 100;
/** A thread no loop uses is closed after this long (ms), so back-to-back runs (`--once` in a loop) share one. */
const LINGER_MS = 10000;
/** A run waits at most this long (ms) for a new thread before it takes jobs. */
const READY_WAIT_MS = 10000;

/** Where the watchdog's own connection goes (a Redis server, or a queue database), and how it names reservations. */
export type WatchdogTarget = RedisWatchdogTarget | DatabaseWatchdogTarget;

interface WatchdogTargetBase {
  /** Where a queue's reservations are kept (jobs of one key are extended together). */
  reservedKey(queue: string): string;
  retryAfter: number;
  /** The exit code of a worker stopped for 'timeout'. */
  exitCode: number;
}

export interface RedisWatchdogTarget extends WatchdogTargetBase {
  /** ioredis options of the server (functions are dropped: they cannot cross to the thread). */
  server: Record<string, unknown>;
  /** Cluster start-up nodes, or null for a single server. */
  cluster: unknown[] | null;
}

/** A `database` connection: the thread opens the database with knex and extends each reservation with one UPDATE. */
export interface DatabaseWatchdogTarget extends WatchdogTargetBase {
  database: WatchdogDatabase;
  /** The name of a job's reservation, `id:attempts` (the UPDATE's last two bindings). */
  identify(job: ReservedJob): string;
}

/** What the thread needs to reach the queue database (see DatabaseQueueDriver.watchdogDatabase). */
export interface WatchdogDatabase {
  /** knex's module path. */
  knex: string;
  /** The knex configuration, functions dropped. */
  config: Record<string, unknown>;
  /** `UPDATE ... SET available_at = ? WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`. */
  extendSql: string;
}

/** The watchdog of a database connection: the driver's database and the name of its reservations. */
export function databaseWatchdogTarget(driver: DatabaseQueueDriver, exitCode: number): DatabaseWatchdogTarget {
  const database = driver.watchdogDatabase();
  return {
    database: { ...database, config: transferableOptions(database.config) },
    identify: (job) => driver.reservationName(job),
    reservedKey: () => driver.table,
    retryAfter: driver.retryAfter,
    exitCode,
  };
}

export interface WatchdogEvents {
  /** Reservations of jobs in hand that were gone when the thread tried to extend them. */
  lost(jobs: ReservedJob[]): void;
  /** The thread's Redis failed (not fatal), or the thread itself did (fatal: it is gone). */
  failed(error: Error, fatal: boolean): void;
}

type ThreadMessage =
  | { t: 'ready' }
  | { t: 'ping'; seq: number }
  | { t: 'lost'; loop: number; slot: number; seq: number }
  | { t: 'error'; message: string };

/** Bytes of payload a slot holds in shared memory; a bigger payload goes to the thread by message. */
const SLOT_BYTES = 16384;

let extendScript: LuaScript | undefined;
let nextLoopId = 1;

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
    const key = JSON.stringify('database' in target ? [target.database, target.exitCode] : [target.server, target.cluster, target.exitCode]);
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
    let store: Record<string, unknown>;
    if ('database' in target) {
      store = { kind: 'database', ...target.database };
    } else {
      extendScript ??= new LuaScript(join(__dirname, '..', 'drivers', 'redis', 'scripts', 'extend.lua'));
      store = { kind: 'redis', ioredis: require.resolve('ioredis'), server: target.server, cluster: target.cluster, extendSha: extendScript.sha, extendSource: extendScript.source };
    }
    this.thread = new Thread(WATCHDOG_THREAD_SOURCE, {
      eval: true,
      workerData: {
        store,
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
      else if (m.t === 'lost') this.owners.get(m.loop)?.lost(m.slot, m.seq);
      else if (m.t === 'error') for (const owner of this.owners.values()) owner.events.failed(new Error(m.message), false);
    });
    const end = (error: Error) => {
      readied();
      if (this.gone) return;
      this.gone = true;
      this.forget();
      for (const owner of this.owners.values()) owner.events.failed(error, true);
      this.owners.clear();
    };
    this.thread.on('error', end);
    this.thread.on('exit', (code) => end(new Error(`the watchdog thread exited (code ${code})`)));
  }

  get alive(): boolean {
    return !this.gone;
  }

  post(message: Record<string, unknown>): void {
    if (!this.gone) this.thread.postMessage(message);
  }

  register(id: number, owner: Watchdog, message: Record<string, unknown>): void {
    this.owners.set(id, owner);
    this.post({ t: 'loop', loop: id, ...message });
  }

  unregister(id: number): void {
    this.owners.delete(id);
    this.post({ t: 'unloop', loop: id });
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
    // It ends by itself; never wait on one that does not.
    const timer = setTimeout(() => void this.thread.terminate(), 1000);
    timer.unref();
  }
}

/**
 * The worker's watchdog (Laravel gets the same from SIGALRM): a worker thread, with a connection of its own (Redis,
 * or the queue database), keeps the reservations of the jobs in hand alive and ends the process when a job overruns
 * its timeout + grace
 * while the main thread does not answer, i.e. when a handler blocks the event loop, which defeats both the timeout
 * timer and any heartbeat in the loop.
 *
 * The jobs in hand are published in shared memory, one slot per concurrency slot: taking a job writes its payload
 * bytes, queue and deadline into the slot and bumps the slot's sequence number (odd: held); giving it up bumps it
 * again. No message and no Redis round trip on the main thread per job (a payload over 16 KB goes by message).
 */
export class Watchdog {
  private readonly thread: WatchdogThread;
  private readonly id = nextLoopId++;
  /** Per slot: [seq, payload length (-1: sent by message)]. */
  private readonly seqs: Int32Array;
  /** Per slot: [unused, deadline] in epoch ms (the thread times a job from when it first sees it). */
  private readonly times: Float64Array;
  /** Per slot: the index of its job's queue in `queues`. */
  private readonly queueOf: Int32Array;
  private readonly bytes: Buffer;
  private readonly queues: readonly string[];
  /** The job each slot holds. */
  private readonly current: (ReservedJob | null)[];
  /** The name the thread extends a job's reservation by. */
  private readonly identify: (job: ReservedJob) => string;
  private closed = false;

  constructor(
    target: WatchdogTarget,
    queues: readonly string[],
    slots: number,
    readonly events: WatchdogEvents,
  ) {
    this.queues = queues;
    this.identify = 'identify' in target ? (job) => target.identify(job) : (job) => job.raw;
    this.seqs = new Int32Array(new SharedArrayBuffer(slots * 2 * 4));
    this.times = new Float64Array(new SharedArrayBuffer(slots * 2 * 8));
    this.queueOf = new Int32Array(new SharedArrayBuffer(slots * 4));
    this.bytes = Buffer.from(new SharedArrayBuffer(slots * SLOT_BYTES));
    this.current = new Array<ReservedJob | null>(slots).fill(null);
    this.thread = WatchdogThread.acquire(target);
    this.thread.register(this.id, this, {
      seqs: this.seqs, times: this.times, queues: this.queueOf, bytes: new Uint8Array(this.bytes.buffer), cap: SLOT_BYTES,
      keys: queues.map((q) => target.reservedKey(q)), names: [...queues], retryAfter: target.retryAfter,
    });
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

  /** Slot `slot` holds `job`: its reservation is kept until drop(); `deadline` (epoch ms, 0 = none) is when it overruns. */
  hold(slot: number, job: ReservedJob, deadline: number): void {
    if (this.closed || this.current[slot] === job) return;
    if (this.current[slot]) this.drop(this.current[slot] as ReservedJob);
    const queue = this.queues.indexOf(job.queue);
    if (queue < 0) return;
    const seq = this.seqs[slot * 2] + 1; // odd: held
    const raw = this.identify(job);
    const fits = raw.length * 3 <= SLOT_BYTES || Buffer.byteLength(raw) <= SLOT_BYTES;
    if (fits) {
      this.seqs[slot * 2 + 1] = this.bytes.write(raw, slot * SLOT_BYTES, SLOT_BYTES, 'utf8');
    } else {
      this.seqs[slot * 2 + 1] = -1;
      this.thread.post({ t: 'big', loop: this.id, slot, seq, raw });
    }
    this.times[slot * 2 + 1] = deadline;
    this.queueOf[slot] = queue;
    this.current[slot] = job;
    Atomics.store(this.seqs, slot * 2, seq);
  }

  /** The job is no longer ours to keep (acked, released, failed or finished). */
  drop(job: ReservedJob): void {
    const slot = this.current.indexOf(job);
    if (slot < 0) return;
    this.current[slot] = null;
    Atomics.add(this.seqs, slot * 2, 1); // even: free
  }

  close(): void {
    if (this.closed) return;
    for (const job of this.current) if (job) this.drop(job);
    this.closed = true;
    this.thread.unregister(this.id);
  }

  /** The thread found the reservation of the job in `slot` (at `seq`) gone. */
  lost(slot: number, seq: number): void {
    const job = this.current[slot];
    if (job && Atomics.load(this.seqs, slot * 2) === seq) this.events.lost([job]);
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
