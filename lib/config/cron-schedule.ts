import { Cron } from 'croner';

/**
 * One cron expression in one time zone, as croner reads it: 5 fields (minute precision) or 6 (seconds first),
 * names for months and days (`MON`, `JAN`), `L`, `W`, `#`, ranges, lists and steps. Daylight-saving changes
 * follow croner's rule: a fixed-time expression (single second, minute and hour) in a skipped hour runs at the
 * first valid time after the gap and runs once when a time occurs twice; other expressions skip the gap and
 * run on both occurrences of a repeated time.
 */
export class CronSchedule {
  private readonly cron: Cron;

  /** Throws a plain Error with croner's reason when the expression or the time zone is not valid. */
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    assertTimezone(timezone);
    // No callback: croner only evaluates, it starts no timer.
    this.cron = new Cron(expression, { timezone, mode: '5-or-6-parts' });
  }

  /** The first due time strictly after `after` (whole seconds), or null when there is none. */
  next(after: Date): Date | null {
    return this.cron.nextRun(after);
  }

  /** Whether a due time falls in the second that holds `at`. */
  isDueAt(at: Date): boolean {
    const second = Math.floor(at.getTime() / 1000) * 1000;
    return this.next(new Date(second - 1))?.getTime() === second;
  }
}

/** Throws when `timezone` is not an IANA zone name (or 'UTC') that this Node knows. */
export function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`"${timezone}" is not a time zone: use an IANA name such as 'Europe/Amsterdam' or 'UTC'`);
  }
}
