import { QueueError } from './queue.error';

/**
 * Commands waiting for a Redis server failed because no connection could be made: names the server and its
 * address (host:port, a socket path, or cluster nodes), never its password.
 */
export class RedisUnreachableError extends QueueError {
  constructor(
    readonly server: string,
    readonly address: string,
  ) {
    super(`Redis at ${address} (server "${server}") is unreachable: no connection could be made`);
  }
}
