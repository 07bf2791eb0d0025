import { queueName } from '../config/queue-names';

/** Redis keys the CLI writes and workers read: `restart` and `pause`/`continue`. */
export function restartKey(prefix: string): string {
  return `${prefix}illuminate:queue:restart`;
}

/**
 * `illuminate:queue:paused:<connection>:{<queue>}`: the queue by its tagged name, so `default` and `{default}`
 * are paused together and the seed's `{default}` keeps the key it always had. A `:` or `%` in a connection name is
 * written `%3A` / `%25`, so a connection `a:b` and a queue of connection `a` can never share a key.
 */
export function pausedKey(prefix: string, connection: string, queue: string): string {
  const conn = connection.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `${prefix}illuminate:queue:paused:${conn}:{${queueName(queue)}}`;
}
