import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import type { RedisServerOptions } from '../config/queue-options.interface';
import { QueueClosedError, QueueConfigError, RedisUnreachableError } from '../errors';
import { DispatchWriter } from './dispatch-writer';
import { queueServerOptions, withoutQueueOptions } from './server-options';

export type RedisClient = Redis | Cluster;

/** How long a command waits for a connection before it fails instead of queueing without bound. */
const CONNECT_TIMEOUT_MS = 5000;

/** Longest pause between reconnection attempts: a worker resumes within about a second of Redis coming back. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * Reconnect forever (a worker outlives any outage), quickly at first, then about once a second. ioredis fails the
 * commands waiting for a connection after every `maxRetriesPerRequest + 1` failed attempts, so with 1 a command
 * sent while Redis is down fails within two attempts (about 2 s when Redis refuses connections, at most about two
 * connect timeouts when it does not answer) instead of waiting for Redis to return.
 */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** (attempt - 1), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

/**
 * Opens Redis clients by server name, lazily: one shared command client per server, plus dedicated clients
 * for blocking pops. `closeAll()` ends every client it opened.
 */
export class RedisConnections {
  private readonly shared = new Map<string, RedisClient>();
  private readonly dedicated = new Set<RedisClient>();
  private readonly writers = new Map<string, DispatchWriter>();
  private closed = false;

  constructor(private readonly config: Pick<ResolvedQueueConfig, 'redis'>) {}

  /** The shared command client of a server (auto-pipelined). */
  get(server: string): RedisClient {
    if (this.closed) throw new QueueClosedError(server);
    let client = this.shared.get(server);
    if (!client) {
      client = this.open(server, true);
      this.shared.set(server, client);
    }
    return client;
  }

  /** A new client for blocking commands, closed by closeAll() or by the caller with release(). */
  dedicatedClient(server: string): RedisClient {
    if (this.closed) throw new QueueClosedError(server);
    const client = this.open(server, false);
    this.dedicated.add(client);
    return client;
  }

  /** Closes a dedicated client at once; a blocking command in flight on it rejects. */
  async release(client: RedisClient): Promise<void> {
    this.dedicated.delete(client);
    client.disconnect();
  }

  /**
   * How dispatches write to a server: through failovers, and durably when the server sets `replicas` (then on a
   * client of their own, so a WAIT never holds up the shared client's other commands).
   */
  writer(server: string): DispatchWriter {
    if (this.closed) throw new QueueClosedError(server);
    let writer = this.writers.get(server);
    if (!writer) {
      const options = queueServerOptions(server, this.serverOptions(server));
      let client: RedisClient;
      if (options.replicas > 0) {
        client = this.open(server, true, (options.replicasTimeout + 5) * 1000);
        this.shared.set(`${server}\u0000durable`, client);
      } else {
        client = this.get(server);
      }
      writer = new DispatchWriter(client, options);
      this.writers.set(server, writer);
    }
    return writer;
  }

  isCluster(server: string): boolean {
    return 'cluster' in this.serverOptions(server);
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const shared = [...this.shared.values()];
    for (const client of this.dedicated) client.disconnect();
    this.shared.clear();
    this.dedicated.clear();
    this.writers.clear();
    await Promise.all(shared.map(quit));
  }

  private serverOptions(server: string): RedisServerOptions {
    const options = this.config.redis[server];
    if (!options) throw new QueueConfigError(`redis.${server}`, `no Redis server named "${server}" is defined`);
    return options;
  }

  private open(server: string, autoPipelining: boolean, commandTimeoutMs = CONNECT_TIMEOUT_MS): RedisClient {
    const client = this.create(server, autoPipelining, commandTimeoutMs);
    // Every failed reconnection attempt emits 'error'; without a listener ioredis prints each one. The commands
    // that fail say what happened (a dispatch rejects, the worker logs the outage once), so the events are dropped.
    client.on('error', ignoreConnectionEvent);
    nameAddressWhenUnreachable(client, server, redisAddress(this.serverOptions(server)));
    return client;
  }

  private create(server: string, autoPipelining: boolean, commandTimeoutMs: number): RedisClient {
    const options = withoutQueueOptions(this.serverOptions(server));
    const common: RedisOptions = {
      lazyConnect: false,
      enableAutoPipelining: autoPipelining,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: reconnectDelay,
      // Blocking pops fail too while Redis is down, so the worker notices (and logs) the outage and polls until it ends.
      maxRetriesPerRequest: 1,
      // The shared client never blocks: a command Redis does not answer within the connect timeout has failed.
      // A blocking pop that Redis does not answer a connect timeout after its own (a dead link) ends as an empty pop.
      // No closer: ioredis resolves the pop then while Redis may still be blocking it (its timeouts run on its cron,
      // 100 ms late at hz 10, later on a busy machine), and a token Redis hands it afterwards would be lost.
      ...(autoPipelining ? { commandTimeout: commandTimeoutMs } : { blockingTimeout: CONNECT_TIMEOUT_MS, blockingTimeoutGrace: CONNECT_TIMEOUT_MS }),
      connectionName: `nestjs-queue:${server}`,
    };
    if ('cluster' in options) {
      return new Cluster(options.cluster, {
        enableAutoPipelining: autoPipelining,
        ...options.options,
        redisOptions: { ...common, ...options.options?.redisOptions },
      });
    }
    if ('url' in options && typeof options.url === 'string') {
      const { url, ...rest } = options;
      return new Redis(url, { ...common, ...rest });
    }
    return new Redis({ ...common, ...(options as RedisOptions) });
  }
}

function ignoreConnectionEvent(): void {
  // See open().
}

/**
 * Where a Redis server is, for messages: `host:port`, a socket path, or the cluster's nodes. Never the password
 * (a URL's credentials are dropped).
 */
export function redisAddress(options: RedisServerOptions): string {
  if ('cluster' in options) return options.cluster.map((node) => nodeAddress(node)).join(', ');
  if ('url' in options && typeof options.url === 'string') {
    try {
      const url = new URL(options.url);
      if (!url.hostname && url.pathname) return url.pathname;
      return `${url.hostname || 'localhost'}:${url.port || 6379}`;
    } catch {
      return 'an unparsable Redis URL';
    }
  }
  const plain = options as RedisOptions;
  if (Array.isArray(plain.sentinels) && plain.sentinels.length > 0) {
    return `the primary "${plain.name ?? 'mymaster'}" of sentinels ${plain.sentinels.map((node) => nodeAddress(node)).join(', ')}`;
  }
  if (plain.path) return plain.path;
  return `${plain.host ?? 'localhost'}:${plain.port ?? 6379}`;
}

function nodeAddress(node: unknown): string {
  if (typeof node === 'number') return `localhost:${node}`;
  if (typeof node === 'string') return /^\w+:\/\//.test(node) ? redisAddress({ url: node }) : node;
  const { host, port } = (node ?? {}) as { host?: string; port?: number };
  return `${host ?? 'localhost'}:${port ?? 6379}`;
}

/**
 * ioredis fails the commands waiting for a connection with "Reached the max retries per request limit", which
 * names an option, not the server. The client's queue is flushed with an error that says which server at which
 * address could not be reached. Only that failure path changes; no command pays for it.
 */
function nameAddressWhenUnreachable(client: RedisClient, server: string, address: string): void {
  if (!(client instanceof Redis)) return;
  const internals = client as unknown as { flushQueue?: (error: Error, options?: unknown) => void };
  const flush = internals.flushQueue;
  if (typeof flush !== 'function') return;
  internals.flushQueue = function flushQueue(this: unknown, error: Error, options?: unknown): void {
    const named = error?.name === 'MaxRetriesPerRequestError' ? new RedisUnreachableError(server, address) : error;
    flush.call(this, named, options);
  };
}

async function quit(client: RedisClient): Promise<void> {
  try {
    if (client.status === 'end') return;
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
