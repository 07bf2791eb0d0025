import type { Knex } from 'knex';
import { closeRawConnection, openRawConnection } from './raw-connection';

interface PgNotification {
  channel: string;
  payload?: string;
}

/** node-postgres's client as LISTEN uses it. */
interface PgListenClient {
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
}

interface Waiter {
  queues: ReadonlySet<string>;
  wake: () => void;
}

/**
 * One LISTEN connection (outside knex's pool) per driver: pushes and releases NOTIFY the table's channel with the
 * queue's name when they commit, and every wait on that queue ends at once. A connection that breaks ends the
 * waits (the worker polls, then waits again on a new connection).
 */
export class PgListener {
  private connection: Promise<PgListenClient> | null = null;
  private readonly waiters = new Set<Waiter>();
  /** Notifications received, in total: a test can tell a wait ended by one from a wait that timed out. */
  notifications = 0;
  /** Notifications received per queue, since this listener was made. */
  private readonly perQueue = new Map<string, number>();

  constructor(
    private readonly knex: Knex,
    private readonly channel: string,
  ) {}

  /** Resolves once LISTEN is in place (so a push made after it is seen). */
  listen(): Promise<PgListenClient> {
    if (!this.connection) {
      const opening = this.open();
      this.connection = opening;
      opening.catch(() => {
        if (this.connection === opening) this.connection = null;
      });
    }
    return this.connection;
  }

  private async open(): Promise<PgListenClient> {
    const client = await openRawConnection<PgListenClient>(this.knex);
    const lost = () => {
      if (this.connection) {
        this.connection = null;
        void closeRawConnection(this.knex, client).catch(() => undefined);
      }
      this.wakeAll();
    };
    client.on('notification', (message) => this.notified(message));
    client.on('error', lost);
    client.on('end', lost);
    await client.query(`LISTEN "${this.channel}"`);
    return client;
  }

  /** Registers a wait on `queues`; `wake` runs once on a notification for one of them (or when the listener ends). */
  add(queues: ReadonlySet<string>, wake: () => void): () => void {
    const waiter = { queues, wake };
    this.waiters.add(waiter);
    return () => this.waiters.delete(waiter);
  }

  /** How many notifications for these queues have come (a payload-less one counts for every queue). */
  receivedFor(queues: readonly string[]): number {
    let n = this.perQueue.get('') ?? 0;
    for (const q of queues) n += this.perQueue.get(q) ?? 0;
    return n;
  }

  private notified(message: PgNotification): void {
    if (message.channel !== this.channel) return;
    this.notifications++;
    const queue = message.payload ?? '';
    this.perQueue.set(queue, (this.perQueue.get(queue) ?? 0) + 1);
    for (const waiter of [...this.waiters]) {
      if (message.payload === undefined || waiter.queues.has(message.payload)) {
        this.waiters.delete(waiter);
        waiter.wake();
      }
    }
  }

  private wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.wake();
    this.waiters.clear();
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.wakeAll();
    if (!connection) return;
    const client = await connection.catch(() => null);
    if (client) await closeRawConnection(this.knex, client).catch(() => undefined);
  }
}

/** The NOTIFY channel of a jobs table (PostgreSQL identifiers are at most 63 bytes). */
export function channelOf(table: string): string {
  return `nestjs_queue_${table.replace(/\W/g, '_')}`.toLowerCase().slice(0, 63);
}
