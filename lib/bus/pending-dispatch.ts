import { QueueError } from '../errors';
import { toDelaySeconds } from './routing';
import type { AfterCommitChoice, QueueTransaction } from './transactions/transaction.types';

type SendOptions = { connection?: string; queue?: string; delay?: number; replicas?: number; afterCommit?: AfterCommitChoice };

function ignore(): void {
  // See the constructor.
}

/**
 * A dispatch not yet sent, and a real `Promise<string | null>`: awaiting it (or `then`, `catch`, `finally`,
 * `Promise.all`...) sends the job once and resolves to its id, or to null when a unique job's lock is already held.
 * Configure it before that: `await bus.dispatch(Job, data).onQueue('x').delay(10)`. Nothing is sent until the
 * first `then` (which every way of awaiting calls), so the configuration always precedes the send.
 */
export class PendingDispatch extends Promise<string | null> {
  /** Promises derived from this one (`then`, `catch`, `finally`) are plain Promises, not more dispatches. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  private connection?: string;
  private queue?: string;
  private delaySeconds?: number;
  private replicaCount?: number;
  private afterCommitChoice?: AfterCommitChoice;
  private sent: Promise<string | null> | null = null;
  private readonly settle: { resolve: (id: string | null) => void; reject: (reason: unknown) => void };
  private readonly send: (options: SendOptions) => Promise<string | null>;

  constructor(send: (options: SendOptions) => Promise<string | null>) {
    let settle: PendingDispatch['settle'] | undefined;
    super((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.settle = settle as PendingDispatch['settle'];
    this.send = send;
    // This promise settles only after a send, which only a `then` starts, so whoever awaits it sees a rejection;
    // a send started by dispatch() alone reports it through the promise dispatch() returned.
    super.then(undefined, ignore);
  }

  onConnection(connection: string): this {
    this.assertNotSent('onConnection');
    this.connection = connection;
    return this;
  }

  onQueue(queue: string): this {
    this.assertNotSent('onQueue');
    this.queue = queue;
    return this;
  }

  /** Seconds from now, or the moment the job becomes available. */
  delay(delay: number | Date): this {
    this.assertNotSent('delay');
    this.delaySeconds = toDelaySeconds(delay);
    return this;
  }

  /**
   * Durable dispatch for this job: resolve only once `count` replicas of its Redis master hold it (Redis WAIT),
   * whatever the server's own `replicas` says. See README "Redis Cluster".
   */
  replicas(count: number): this {
    this.assertNotSent('replicas');
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new QueueError(`replicas() takes a whole number of replicas (0 or more), got ${String(count)}.`);
    }
    this.replicaCount = count;
    return this;
  }

  /**
   * Hold the job until the surrounding transaction commits; drop it if it rolls back. With no argument the
   * transaction is the @nestjs-cls/transactional one the code runs in; pass a knex `trx` (or any
   * `TransactionHooks`) for a transaction handled by hand. With no transaction open, the job is sent at once.
   */
  afterCommit(transaction?: QueueTransaction): this {
    this.assertNotSent('afterCommit');
    this.afterCommitChoice = transaction ?? true;
    return this;
  }

  /** Send the job at once, even inside a transaction on an `afterCommit: true` connection. */
  beforeCommit(): this {
    this.assertNotSent('beforeCommit');
    this.afterCommitChoice = false;
    return this;
  }

  /** Sends the job (the first time only), then behaves as Promise's `then`. `catch` and `finally` go through it. */
  override then<R1 = string | null, R2 = never>(
    onfulfilled?: ((value: string | null) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.dispatch();
    return super.then(onfulfilled, onrejected);
  }

  /** Sends the job (once, however often it is awaited) and returns the promise of its id. */
  dispatch(): Promise<string | null> {
    if (!this.sent) {
      try {
        this.sent = this.send({
          connection: this.connection, queue: this.queue, delay: this.delaySeconds, replicas: this.replicaCount, afterCommit: this.afterCommitChoice,
        });
      } catch (error) {
        // An unknown job class or connection is an error of the dispatch: reject, never throw from then().
        this.sent = Promise.reject(error);
      }
      this.sent.then(this.settle.resolve, this.settle.reject);
    }
    return this.sent;
  }

  private assertNotSent(method: string): void {
    if (this.sent) throw new QueueError(`${method}() was called after the job was sent; configure the dispatch before awaiting it.`);
  }
}
