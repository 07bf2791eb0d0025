import { assertWindow } from './duration-limiter';

/**
 * One rate limit for `RateLimiter.for(...)`: at most `maxAttempts` jobs per `decaySeconds` window, counted per `key`
 * (as Laravel's `Illuminate\Cache\RateLimiting\Limit`).
 */
export class Limit {
  /** What the limit is counted by; '' = one counter for the whole limiter. */
  key: string;
  readonly maxAttempts: number;
  readonly decaySeconds: number;
  /** True for `Limit.none()`: nothing is counted and nothing is held back. */
  readonly unlimited: boolean;

  constructor(key: string | number = '', maxAttempts = 60, decaySeconds = 60, unlimited = false) {
    if (!unlimited) assertWindow(maxAttempts, decaySeconds);
    this.key = String(key);
    this.maxAttempts = maxAttempts;
    this.decaySeconds = decaySeconds;
    this.unlimited = unlimited;
  }

  /** `maxAttempts` per `decaySeconds` seconds. */
  static perSecond(maxAttempts: number, decaySeconds = 1): Limit {
    return new Limit('', maxAttempts, decaySeconds);
  }

  /** `maxAttempts` per `decayMinutes` minutes. */
  static perMinute(maxAttempts: number, decayMinutes = 1): Limit {
    return new Limit('', maxAttempts, 60 * decayMinutes);
  }

  /** `maxAttempts` per `decayMinutes` minutes (Laravel's argument order: the window first). */
  static perMinutes(decayMinutes: number, maxAttempts: number): Limit {
    return new Limit('', maxAttempts, 60 * decayMinutes);
  }

  static perHour(maxAttempts: number, decayHours = 1): Limit {
    return new Limit('', maxAttempts, 3600 * decayHours);
  }

  static perDay(maxAttempts: number, decayDays = 1): Limit {
    return new Limit('', maxAttempts, 86400 * decayDays);
  }

  /** No limit: the job always runs. */
  static none(): Limit {
    return new Limit('', Number.MAX_SAFE_INTEGER, 0, true);
  }

  /** Count this limit separately per `key` (a user id, a tenant, an API host...). */
  by(key: string | number): this {
    this.key = String(key);
    return this;
  }

  /** The window length in whole minutes, as Laravel's `decayMinutes`. */
  get decayMinutes(): number {
    return this.decaySeconds / 60;
  }
}
