/** Seconds from now, from seconds or a Date; never negative. */
export function toDelaySeconds(delay: number | Date): number {
  const seconds = delay instanceof Date ? (delay.getTime() - Date.now()) / 1000 : delay;
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) {
    throw new TypeError(`delay() takes seconds or a Date, got ${String(delay)}`);
  }
  return Math.max(0, seconds);
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
