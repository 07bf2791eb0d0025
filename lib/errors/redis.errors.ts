/**
 * Commands waiting for a Redis server failed because no connection could be made: names the server and its
 * address (host:port, a socket path, or cluster nodes), never its password. It takes the place of ioredis's
 * "max retries per request" error inside the client, so, like that error, it is not a QueueError: the layers above
 * wrap it in theirs (a dispatch rejects with QueueConnectionError, the worker logs the outage).
 */
export class RedisUnreachableError extends Error {
  constructor(
    readonly server: string,
    readonly address: string,
  ) {
    super(`Redis is unreachable at ${address} (server "${server}"): could not connect`);
    this.name = 'RedisUnreachableError';
  }
}
