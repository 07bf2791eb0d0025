/**
 * Seconds from now, from seconds or a Date. Zero or less (a Date in the past) is kept: such a job is available
 * at once, and jobs due in the past come out oldest due time first, as Laravel's delayed set orders them.
 */
export function toDelaySeconds(delay: number | Date): number {
  const seconds = delay instanceof Date ? (delay.getTime() - Date.now()) / 1000 : delay;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new TypeError(`delay() takes seconds or a Date, got ${String(delay)}`);
  }
  return seconds;
}

/** Where something is sent, set fluently: `onConnection`, `onQueue`, `delay`. Shared by descriptors and chains. */
export abstract class Routing {
  connection?: string;
  queue?: string;
  delaySeconds?: number;

  onConnection(connection: string): this {
    this.connection = connection;
    return this;
  }

  onQueue(queue: string): this {
    this.queue = queue;
    return this;
  }

  /** Seconds from now, or the moment it becomes available. */
  delay(delay: number | Date): this {
    this.delaySeconds = toDelaySeconds(delay);
    return this;
  }
}
