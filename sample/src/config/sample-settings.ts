/** Where the sample runs: its Redis, its files, and the values config/app.php and config/services.php hold in Laravel. */
export interface SampleSettings {
  /** Where the queue (and the cache) live: Redis, or the sample's SQLite files alone. */
  queueDriver: 'redis' | 'database';
  /** Redis the queue (and the cache) use; unused on 'database'. */
  redisUrl: string;
  /** Prefix of every Redis key the sample writes, so it never touches anyone else's keys. */
  redisPrefix: string;
  /** Root of everything the sample writes to disk: SQLite files, the local storage disk, exports, mail, logs. */
  storageDir: string;
  /** Secret the temporary download links are signed with (Laravel's APP_KEY). */
  appKey: string;
  /** Where failure notifications go (config('app.admin_email')). */
  adminEmail: string;
  /** Sender of every mail the sample sends. */
  mailFrom: string;
}

/** Injection token of the SampleSettings. */
export const SAMPLE_SETTINGS = Symbol('SAMPLE_SETTINGS');

/** The values that are the same for every run; the caller adds Redis and the storage directory. */
export const SAMPLE_DEFAULTS = {
  adminEmail: 'admin@meet2be.test',
  mailFrom: 'Meet2Be <no-reply@meet2be.test>',
} as const;
