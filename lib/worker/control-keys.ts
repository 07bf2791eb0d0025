/** Redis keys the CLI writes and workers read: `restart` and `pause`/`continue`. */
export function restartKey(prefix: string): string {
  return `${prefix}illuminate:queue:restart`;
}

export function pausedKey(prefix: string, connection: string, queue: string): string {
  return `${prefix}illuminate:queue:paused:${connection}:${queue}`;
}
