/**
 * Where the queue keeps its small shared state: locks (unique jobs, WithoutOverlapping), fixed-window counters
 * (RateLimited, ThrottlesExceptions, maxExceptions) and signal values (restart, pause). One implementation per
 * kind of connection: Redis for a redis connection, the connection's database for a database connection. Every
 * method is atomic on its own, under any number of processes, and uses the store's clock (the Redis server's,
 * the database server's), so every worker agrees on when a lock or a window ends.
 */
export interface AtomicStore {
  /** What the store is, for messages: "redis server queue", "database sqlite". */
  readonly description: string;

  /**
   * Takes the lock `key` for `owner` unless another owner holds it. A lock whose time is up is free.
   * `ttlMs` 0 = the lock never expires. Resolves true when this call took it.
   */
  acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean>;

  /** Frees the lock `key` if `owner` still holds it; a lock taken over by another owner is left alone. */
  releaseLock(key: string, owner: string): Promise<boolean>;

  /**
   * Takes one slot of the fixed window `key` (at most `maxLocks` per `decaySeconds`), opening a new window when
   * there is none or the last one is over (Laravel's DurationLimiter::acquire).
   */
  windowAcquire(key: string, maxLocks: number, decaySeconds: number): Promise<WindowAcquireResult>;

  /** Whether the window `key` is full, taking no slot (Laravel's DurationLimiter::tooManyAttempts). */
  windowTooMany(key: string, maxLocks: number, decaySeconds: number): Promise<WindowCheckResult>;

  /** Adds one to the counter `key` and (re)sets its time to live; resolves to the new count (1 after expiry). */
  increment(key: string, ttlSeconds: number): Promise<number>;

  /** The value of `key`, or null when it is unset or expired. */
  get(key: string): Promise<string | null>;

  /** The values of `keys`, in order (null for unset ones). */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;

  /** Sets `key` to `value`; `ttlSeconds` undefined = no expiry. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;

  /** Removes `key` (a value, a counter or a window; not a lock). */
  delete(key: string): Promise<void>;

  /** Closes what the store opened (a Redis store borrows its client and closes nothing). */
  close(): Promise<void>;
}

/** Outcome of taking a slot from a fixed window. Times are the store's clock, in whole epoch seconds. */
export interface WindowAcquireResult {
  acquired: boolean;
  /** When the current window ends. */
  decaysAt: number;
  /** Slots left in the window after this call (never below 0). */
  remaining: number;
  now: number;
}

export interface WindowCheckResult {
  tooManyAttempts: boolean;
  decaysAt: number;
  now: number;
}
