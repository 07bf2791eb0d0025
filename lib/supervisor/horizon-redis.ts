import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { SupervisorRedisMissingError } from '../errors/supervisor.errors';
import type { RedisClient, RedisConnections } from '../redis/redis-connections';

/**
 * The Redis server of the supervisor layer (registry, commands, metrics): the default connection's server when it
 * is a redis connection, else the first redis connection's (Horizon uses its app's default Redis the same way).
 * Masters, workers and the CLI all pick it the same way from the same configuration.
 */
export function horizonRedis(config: ResolvedQueueConfig, connections: RedisConnections): RedisClient {
  const preferred = config.connections[config.default];
  const connection = preferred?.driver === 'redis' ? preferred : Object.values(config.connections).find((c) => c.driver === 'redis');
  if (!connection || connection.driver !== 'redis') throw new SupervisorRedisMissingError();
  return connections.get(connection.server);
}
