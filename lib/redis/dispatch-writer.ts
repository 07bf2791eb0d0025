import Redis, { Cluster, Command } from 'ioredis';
import { ReplicationTimeoutError } from '../errors';
import type { RedisClient } from './redis-connections';
import { retryThroughFailover } from './failover-retry';

export interface DispatchWriterOptions {
  server: string;
  /** Seconds to keep retrying through a failover; 0 = fail at once. */
  failoverTimeout: number;
  /** Replicas that must confirm a write before it resolves (WAIT); 0 = do not wait. */
  replicas: number;
  /** Seconds WAIT may take. */
  replicasTimeout: number;
}

/**
 * How dispatches write to one Redis server: through a failover (retried for `failoverTimeout`), and durably
 * when `replicas` > 0: after the write, WAIT on the very connection that wrote it (the master serving the key)
 * until that many replicas hold it. Writes resolved together share one WAIT per master.
 */
export class DispatchWriter {
  constructor(
    /** The client writes go through: the shared client, or a client of their own when writes WAIT. */
    readonly client: RedisClient,
    readonly options: DispatchWriterOptions,
  ) {}

  get durable(): boolean {
    return this.options.replicas > 0;
  }

  /**
   * Runs `send` (a write of keys in `key`'s slot) through a failover, then waits for `replicas` replicas
   * (the server's own, or this dispatch's when given) to hold it.
   */
  async write<T>(key: string, send: (client: RedisClient) => Promise<T>, replicas = this.options.replicas): Promise<T> {
    const { server, failoverTimeout } = this.options;
    const result = await retryThroughFailover(this.client, server, failoverTimeout, () => send(this.client));
    if (replicas > 0) await this.confirm(key, replicas);
    return result;
  }

  /**
   * After writes of several keys (a dispatchMany's queues): one WAIT per master that served them, or none when
   * `replicas` is 0. Rejects with a ReplicationTimeoutError when any master has fewer replicas holding its writes.
   */
  async confirmAll(keys: readonly string[], replicas = this.options.replicas): Promise<void> {
    if (replicas <= 0 || keys.length === 0) return;
    const byMaster = new Map<Redis, string>();
    for (const key of keys) {
      let node: Redis | null = null;
      try {
        node = this.masterOf(key);
      } catch {
        // No known master: confirm() turns that into a ReplicationTimeoutError.
      }
      if (!node) {
        await this.confirm(key, replicas);
        continue;
      }
      if (!byMaster.has(node)) byMaster.set(node, key);
    }
    await Promise.all([...byMaster.values()].map((key) => this.confirm(key, replicas)));
  }

  /** WAIT on the connection that served `key`'s write; rejects with a ReplicationTimeoutError below `replicas`. */
  private async confirm(key: string, replicas: number): Promise<void> {
    const { server, replicasTimeout } = this.options;
    let confirmed = 0;
    try {
      const node = this.masterOf(key);
      confirmed = Number(await node.sendCommand(new Command('wait', [replicas, Math.ceil(replicasTimeout * 1000)], { replyEncoding: 'utf8' })));
    } catch (error) {
      // The master went away between the write and its WAIT: the write may be lost with it.
      throw new ReplicationTimeoutError(server, replicas, 0, replicasTimeout, error);
    }
    if (confirmed < replicas) throw new ReplicationTimeoutError(server, replicas, confirmed, replicasTimeout);
  }

  /** The connection a write of `key` went through: the client itself, or on a cluster the master of its slot. */
  private masterOf(key: string): Redis {
    const client = this.client;
    if (!(client instanceof Cluster)) return client;
    const slot = new Command('exists', [key]).getSlot();
    const nodeKey = slot === null ? undefined : client.slots[slot]?.[0];
    const node = nodeKey === undefined ? undefined : client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
    if (!node) throw new Error(`Connection is closed: no master of slot ${slot} is known`);
    return node;
  }
}
