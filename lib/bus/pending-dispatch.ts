import { QueueError } from '../errors';
import { toDelaySeconds } from './routing';

/**
 * A dispatch not yet sent. Awaiting it sends the job and resolves to its id, or to null when a unique job's
 * lock is already held. Configure it first: `await bus.dispatch(Job, data).onQueue('x').delay(10)`.
 */
export class PendingDispatch implements PromiseLike<string | null> {
  private connection?: string;
  private queue?: string;
  private delaySeconds?: number;
  private replicaCount?: number;
  private sent: Promise<string | null> | null = null;

  constructor(private readonly send: (options: { connection?: string; queue?: string; delay?: number; replicas?: number }) => Promise<string | null>) {}

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

  /** Hold the job until the surrounding transaction commits. Not available yet: throws rather than ignore it. */
  afterCommit(): this {
    throw new QueueError(
      'afterCommit() is not supported yet: nestjs-queue has no transaction integration. Dispatch after your transaction commits instead.',
    );
  }

  /** Send the job now, even inside a transaction (the current behaviour of every dispatch). */
  beforeCommit(): this {
    return this;
  }

  then<R1 = string | null, R2 = never>(
    onfulfilled?: ((value: string | null) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.dispatch().then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<string | null | R> {
    return this.dispatch().catch(onrejected);
  }

  /** Sends the job (once, however often it is awaited). */
  dispatch(): Promise<string | null> {
    if (!this.sent) {
      try {
        this.sent = this.send({ connection: this.connection, queue: this.queue, delay: this.delaySeconds, replicas: this.replicaCount });
      } catch (error) {
        // An unknown job class or connection is an error of the dispatch: reject, never throw from then().
        this.sent = Promise.reject(error);
      }
    }
    return this.sent;
  }

  private assertNotSent(method: string): void {
    if (this.sent) throw new QueueError(`${method}() was called after the job was sent; configure the dispatch before awaiting it.`);
  }
}
