import type { PushOptions, QueueDriver, QueueSizes, ReservedJob } from '../queue-driver.interface';
import { ForeignReservationError } from '../../errors';
import type { QueueDatabase } from './knex-connections';
import type { JobRows, NewJobRow, Reservation } from './job-rows.interface';
import { reservationKey } from './job-rows.interface';
import { ensureJobsTable } from './jobs-table';
import { SqliteJobRows } from './sqlite-job-rows';
import { PgJobRows } from './pg-job-rows';
import { MysqlJobRows } from './mysql-job-rows';
import { channelOf, PgListener } from './pg-listener';
import { addLocalWait, wakeLocal } from './local-wakeups';
import { withAttempts } from './payload-attempts';
import { quoteTable, SqlDialect } from './sql-dialect';
import { TickBatcher } from './tick-batcher';
import { inSavepoint, TransactionExecute } from './savepoint';

/** A job reserved by the database driver: the row and the attempts it was reserved with name the reservation. */
export interface DatabaseReservedJob extends ReservedJob {
  readonly id: string;
  readonly attempts: number;
}

export interface DatabaseQueueDriverOptions {
  connectionName: string;
  table: string;
  retryAfter: number;
  blockFor: number | null;
}

/**
 * How often (ms) a wait polls the table where the database sends no notifications (SQLite, MySQL), and a sleeping
 * worker reads the due times again (a delay sent by another process).
 */
const POLL_MS = 1000;

export type { TransactionExecute } from './savepoint';

/** One job of a call that queues many at once (dispatchMany, a batch's jobs). */
export interface OutgoingDatabaseJob {
  readonly queue: string;
  readonly payload: string;
  /** Seconds (fractions allowed); undefined: ready now; 0 or less: due already, ordered by due time (as later()). */
  readonly delay?: number;
}

/**
 * Laravel's database queue on knex: SQLite, PostgreSQL, MySQL 8 / MariaDB 10.6+. Rows of the `jobs` table are
 * reserved with `FOR UPDATE SKIP LOCKED` (PostgreSQL, MySQL) or one `UPDATE ... RETURNING` (SQLite), attempts raised
 * on reserve. A reservation is the row id and its attempts: a worker whose reservation lapsed and was taken again
 * can no longer ack, release or extend it. Pushes and pops of one tick share one statement each.
 */
export class DatabaseQueueDriver implements QueueDriver {
  readonly connectionName: string;
  readonly retryAfter: number;
  readonly blockFor: number | null;
  /** The `databases` entry this connection's jobs live in. */
  readonly database: string;
  readonly dialect: SqlDialect;
  readonly table: string;
  private readonly rows: JobRows;
  private readonly knex: QueueDatabase['knex'];
  private ready: Promise<void> | null = null;
  private listener: PgListener | null = null;
  private readonly waits = new Set<() => void>();
  /** Per list of queues: the LISTEN connection's notifications for them when their last reserve began. */
  private readonly heardAtReserve = new Map<string, number>();
  /** Per list of queues: when the next row was due, as their last reserve (one that found too few) read it. */
  private readonly dueAtReserve = new Map<string, number | null>();
  /** Raised by every close(): a wait that began before it ends, even one still opening its LISTEN connection. */
  private closings = 0;
  private readonly pushes: TickBatcher<OutgoingDatabaseJob, void>;
  private readonly pops: TickBatcher<{ count: number; ack?: Reservation }, DatabaseReservedJob[], readonly string[]>;

  constructor(
    private readonly db: QueueDatabase,
    options: DatabaseQueueDriverOptions,
  ) {
    this.connectionName = options.connectionName;
    this.retryAfter = options.retryAfter;
    this.blockFor = options.blockFor;
    this.database = db.name;
    this.dialect = db.dialect;
    this.table = options.table;
    this.knex = db.knex;
    const quoted = quoteTable(db.dialect, options.table);
    this.rows =
      db.dialect === 'sqlite'
        ? new SqliteJobRows(db.knex, quoted)
        : db.dialect === 'pg'
          ? new PgJobRows(db.knex, quoted, channelOf(options.table))
          : new MysqlJobRows(db.knex, quoted);
    this.pushes = new TickBatcher((_, jobs) => this.insertNow(jobs).then(() => jobs.map(() => undefined)));
    this.pops = new TickBatcher(
      (queues, requests) => this.reserveFor(queues, requests),
      (queues) => queues.join('\u0000'),
    );
  }

  /** Creates the jobs table when missing, once per driver; every operation awaits it. */
  setup(): Promise<void> {
    if (!this.ready) {
      const making = ensureJobsTable(this.db, this.table);
      this.ready = making;
      making.catch(() => {
        if (this.ready === making) this.ready = null;
      });
    }
    return this.ready;
  }

  /** Pushes of one tick (any queues) go as one insert; a lone push goes at once. */
  push(queue: string, payload: string, _options?: PushOptions): Promise<void> {
    return this.pushes.add('', { queue, payload });
  }

  /** All the payloads are queued, in order, or none is (see pushAll). */
  pushMany(queue: string, payloads: string[]): Promise<void> {
    return this.pushAll(payloads.map((payload) => ({ queue, payload })));
  }

  /**
   * Queues every job of one call (dispatchMany, a batch), any queues and delays, all or none: one statement on
   * PostgreSQL (array parameters), else one transaction of multi-row INSERTs, each within the database's limit of
   * placeholders per statement (SQLite 32766, MySQL 65535). Ids follow the order given.
   */
  async pushAll(jobs: readonly OutgoingDatabaseJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.insertNow(jobs);
  }

  async later(queue: string, payload: string, delaySeconds: number, _options?: PushOptions): Promise<void> {
    await this.insertNow([{ queue, payload, delay: delaySeconds }]);
  }

  /**
   * Inserts the job row through the caller's open transaction (outbox): `execute` runs one SQL statement, with `?`
   * placeholders and positional bindings, on that transaction's connection (same database as this connection).
   * The row exists if and only if that transaction commits; on PostgreSQL its NOTIFY is delivered at the commit.
   */
  pushWithin(execute: TransactionExecute, queue: string, payload: string, delaySeconds = 0): Promise<void> {
    return this.pushAllWithin(execute, [{ queue, payload, delay: delaySeconds }]);
  }

  /**
   * pushAll through the caller's open transaction (the outbox): the rows exist if and only if it commits. Multi-row
   * statements with `?` placeholders, each within the database's limit (several in a savepoint: all or none of
   * them, and the transaction goes on after a failure); on PostgreSQL each NOTIFYs its queues.
   */
  async pushAllWithin(execute: TransactionExecute, jobs: readonly OutgoingDatabaseJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.setup();
    const now = Date.now();
    const statements = this.rows.insertStatements(this.rowsOf(jobs, now), now);
    if (statements.length === 1) {
      await execute(statements[0].sql, statements[0].bindings);
      return;
    }
    // Several statements: in a savepoint, so a failing one leaves none of the call's rows in the transaction.
    await inSavepoint(execute, async () => {
      for (const statement of statements) await execute(statement.sql, statement.bindings);
    });
  }

  private async insertNow(jobs: readonly OutgoingDatabaseJob[]): Promise<void> {
    await this.setup();
    const now = Date.now();
    await this.rows.insert(this.rowsOf(jobs, now), now);
    // Waits in this process: a push ends them where there is no NOTIFY; a delayed one makes a sleeper read again.
    let last: string | undefined;
    let lastDelayed = false;
    for (const job of jobs) {
      const delayed = job.delay !== undefined && job.delay > 0;
      if (job.queue === last && delayed === lastDelayed) continue;
      last = job.queue;
      lastDelayed = delayed;
      if (delayed || this.dialect !== 'pg') wakeLocal(this.knex, this.table, job.queue, delayed);
    }
  }

  private rowsOf(jobs: readonly OutgoingDatabaseJob[], now: number): NewJobRow[] {
    return jobs.map((job) => ({ queue: job.queue, payload: job.payload, availableAt: job.delay === undefined ? now : now + Math.round(job.delay * 1000) }));
  }

  /** Pops over the same queues made in one tick (a worker's slots) share one reserve, acks included. */
  pop(queues: readonly string[], count: number, ack?: ReservedJob): Promise<ReservedJob[]> {
    let reservation: Reservation | undefined;
    try {
      reservation = ack ? this.reservationOf(ack) : undefined;
    } catch (error) {
      return Promise.reject(error);
    }
    if (queues.length === 0 || count <= 0) return ack ? this.ack(ack).then(() => []) : Promise.resolve([]);
    return this.pops.add(queues, { count, ack: reservation });
  }

  private async reserveFor(queues: readonly string[], requests: readonly { count: number; ack?: Reservation }[]): Promise<DatabaseReservedJob[][]> {
    await this.setup();
    // What the LISTEN connection had heard of these queues when this reserve began (see waitForJobs).
    const key = queues.join('\u0000');
    if (this.listener) this.heardAtReserve.set(key, this.listener.receivedFor(queues));
    let count = 0;
    const acks: Reservation[] = [];
    for (const r of requests) {
      count += r.count;
      if (r.ack) acks.push(r.ack);
    }
    const now = Date.now();
    const { rows, due } = await this.rows.reserve(queues, count, acks, now, now + Math.round(this.retryAfter * 1000));
    if (rows.length < count && due !== undefined) this.dueAtReserve.set(key, due);
    else this.dueAtReserve.delete(key);
    const jobs = rows.map(
      (row): DatabaseReservedJob => ({ queue: queues[row.queueIndex], raw: withAttempts(row.payload, row.attempts), id: row.id, attempts: row.attempts }),
    );
    let next = 0;
    return requests.map((r) => {
      const take = jobs.slice(next, next + r.count);
      next += take.length;
      return take;
    });
  }

  /**
   * When (ms since the epoch) the next row of the queues is due after the last reserve over them that found fewer
   * rows than asked, as that reserve read it (PostgreSQL: in the same statement); null when it found none due later
   * or did not read it (SQLite, MySQL: their waits read the table themselves). An idle worker waits no longer.
   */
  nextDueAt(queues: readonly string[]): number | null {
    return this.dueAtReserve.get(queues.join('\u0000')) ?? null;
  }

  /**
   * Waits up to `seconds` for a job of the queues to become available: a push (PostgreSQL NOTIFY; on SQLite and
   * MySQL a push from this process, else the next poll), a delay coming due, or a lapsing reservation.
   */
  async waitForJobs(queues: readonly string[], seconds: number): Promise<void> {
    if (queues.length === 0) return;
    const closings = this.closings;
    await this.setup();
    const end = Date.now() + Math.max(0, seconds) * 1000;
    const wanted = new Set(queues);
    let listening = false;
    if (this.dialect === 'pg') {
      this.listener ??= new PgListener(this.knex, channelOf(this.table));
      listening = await this.listener.listen().then(
        () => true,
        () => false,
      );
    }
    let woken = this.closings !== closings;
    let wakeNow: () => void = () => undefined;
    const wake = () => {
      woken = true;
      wakeNow();
    };
    // Registered before the table is read, so a push landing in between is not missed.
    const unregister = listening && this.listener ? this.listener.add(wanted, wake) : addLocalWait(this.knex, this.table, wanted, wake);
    this.waits.add(wake);
    // A push was notified after the last reserve of these queues began (it came back empty meanwhile): its row
    // may be waiting, so the worker pops again at once, without reading the table first.
    const key = queues.join('\u0000');
    const heard = listening && this.listener ? this.heardAtReserve.get(key) : undefined;
    if (heard !== undefined && this.listener && this.listener.receivedFor(queues) !== heard) woken = true;
    // Nothing heard since that reserve (which came back short): the due time it read holds, no need to read it again.
    let known = heard !== undefined ? this.dueAtReserve.get(key) : undefined;
    this.dueAtReserve.delete(key);
    try {
      while (!woken) {
        const due = known !== undefined ? known : await this.rows.nextDue(queues);
        known = undefined;
        const now = Date.now();
        if ((due !== null && due <= now) || now >= end || woken) return;
        let until = end;
        if (due !== null) until = Math.min(until, due);
        const polling = !listening && now + POLL_MS < until;
        if (polling) until = now + POLL_MS;
        await nap(until - now, (w) => (wakeNow = w));
        // Slept to the end or to the due time (a wake-up ends the loop itself): no need to read the table again.
        if (!polling) return;
      }
    } finally {
      unregister();
      this.waits.delete(wake);
    }
  }

  /**
   * A sleeping worker's sleep (no blockFor): `seconds`, ended early when a job of the queues that was not available
   * at its push comes due (a delay, a release, a lapsing reservation; see JobRows.nextDelayedDue), never by a push
   * of a ready job. The due time is read at the start, again every POLL_MS (delays sent by other processes), and at
   * once after a delayed push or a release from this process.
   */
  async waitForDue(queues: readonly string[], seconds: number): Promise<void> {
    if (queues.length === 0) return;
    const closings = this.closings;
    await this.setup();
    const end = Date.now() + Math.max(0, seconds) * 1000;
    let closed = this.closings !== closings;
    let stirred = false;
    let wakeNow: () => void = () => undefined;
    const close = () => {
      closed = true;
      wakeNow();
    };
    const stir = () => {
      stirred = true;
      wakeNow();
    };
    // Registered before the due time is read, so a delay sent in between makes it read again.
    const unregister = addLocalWait(this.knex, this.table, new Set(queues), stir, 'delayed');
    this.waits.add(close);
    try {
      while (!closed) {
        stirred = false;
        const due = await this.rows.nextDelayedDue(queues);
        const now = Date.now();
        if ((due !== null && due <= now) || now >= end || closed) return;
        if (stirred) continue;
        const until = Math.min(end, due ?? end);
        const polling = now + POLL_MS < until;
        await nap((polling ? now + POLL_MS : until) - now, (w) => (wakeNow = w));
        // Slept to the end or to the due time unless stirred: the worker pops (or lies down again) now.
        if (!polling && !stirred) return;
      }
    } finally {
      unregister();
      this.waits.delete(close);
    }
  }

  async ack(job: ReservedJob): Promise<void> {
    await this.setup();
    await this.rows.ack(this.reservationOf(job));
  }

  async release(job: ReservedJob, delaySeconds: number): Promise<boolean> {
    await this.setup();
    const released = await this.rows.release(this.reservationOf(job), job.queue, Date.now() + Math.round(delaySeconds * 1000));
    // PostgreSQL's NOTIFY wakes the blocked waits; a sleeping one is woken from here on every database.
    if (released) wakeLocal(this.knex, this.table, job.queue, true);
    return released;
  }

  async extend(jobs: readonly ReservedJob[]): Promise<ReservedJob[]> {
    if (jobs.length === 0) return [];
    await this.setup();
    const reservations = jobs.map((job) => this.reservationOf(job));
    const held = await this.rows.extend(reservations, Date.now() + Math.round(this.retryAfter * 1000));
    return jobs.filter((_, i) => !held.has(reservationKey(reservations[i])));
  }

  async size(queue: string): Promise<number> {
    const s = await this.sizes(queue);
    return s.ready + s.delayed + s.reserved;
  }

  async sizes(queue: string): Promise<QueueSizes> {
    await this.setup();
    return this.rows.sizes(queue, Date.now());
  }

  async clear(queue: string): Promise<number> {
    await this.setup();
    return this.rows.clear(queue);
  }

  /** Ends every wait and closes the LISTEN connection; the database itself is closed by its owner (the manager). */
  async close(): Promise<void> {
    this.closings++;
    for (const wake of [...this.waits]) wake();
    const listener = this.listener;
    this.listener = null;
    if (listener) await listener.close();
  }

  /** How many notifications the LISTEN connection has received (PostgreSQL), for tests and diagnostics. */
  get notificationsReceived(): number {
    return this.listener?.notifications ?? 0;
  }

  /** The name of a job's reservation, `id:attempts`, as the watchdog thread extends it. */
  reservationName(job: ReservedJob): string {
    return reservationKey(this.reservationOf(job));
  }

  /**
   * How a worker's watchdog thread reaches this database on a connection of its own (so it keeps the reservations
   * while a handler blocks the event loop): knex's module, the knex configuration (its functions cannot cross to a
   * thread: the caller drops them), and the statement that moves one reservation's lease (bindings: leaseUntil, id,
   * attempts).
   */
  watchdogDatabase(): { knex: string; config: Record<string, unknown>; extendSql: string } {
    const config = (this.knex as unknown as { client: { config: Record<string, unknown> } }).client.config;
    return {
      knex: require.resolve('knex'),
      config,
      extendSql: `UPDATE ${quoteTable(this.dialect, this.table)} SET available_at = ? WHERE id = ? AND attempts = ? AND reserved_at IS NOT NULL`,
    };
  }

  private reservationOf(job: ReservedJob): Reservation {
    const { id, attempts } = job as Partial<DatabaseReservedJob>;
    if (typeof id !== 'string' || typeof attempts !== 'number') throw new ForeignReservationError(this.connectionName);
    return { id, attempts };
  }
}

/** Resolves after `ms` (1 at least), or as soon as the function handed to `onWake` is called. */
function nap(ms: number, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(1, ms));
    onWake(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
