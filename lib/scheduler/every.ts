import { ScheduleExpressionError } from '../errors/scheduler.errors';

/**
 * Readable cron expressions for the common cases, usable wherever a cron string is (`@Scheduled(...)`, the
 * `schedule` config). Each returns the cron string, so `schedule:list` shows what will run.
 *
 * ```ts
 * @Scheduled(every.minutes(5))           // '*\/5 * * * *'
 * @Scheduled(dailyAt('03:00'))           // '0 3 * * *'
 * @Scheduled(weeklyOn('monday', '8:30')) // '30 8 * * 1'
 * ```
 */
export const every = {
  /** Every second: `* * * * * *`. */
  second: (): string => '* * * * * *',
  /** Every `n` seconds from the start of each minute; `n` divides 60. */
  seconds: (n: number): string => `*/${divisor(n, 60, 'every.seconds')} * * * * *`,
  /** Every minute: `* * * * *`. */
  minute: (): string => '* * * * *',
  /** Every `n` minutes from the start of each hour; `n` divides 60. */
  minutes: (n: number): string => `*/${divisor(n, 60, 'every.minutes')} * * * *`,
  /** Every hour on the hour: `0 * * * *`. */
  hour: (): string => '0 * * * *',
  /** Every `n` hours from midnight; `n` divides 24. */
  hours: (n: number): string => `0 */${divisor(n, 24, 'every.hours')} * * *`,
};

/** Every hour at `minute` past (Laravel's hourlyAt). */
export function hourlyAt(minute: number): string {
  return `${whole(minute, 0, 59, 'hourlyAt', 'minute')} * * * *`;
}

/** Every day at midnight. */
export function daily(): string {
  return '0 0 * * *';
}

/** Every day at `time`, 'HH:MM' or 'HH:MM:SS' on a 24-hour clock (Laravel's dailyAt). */
export function dailyAt(time: string): string {
  return `${clock(time, 'dailyAt')} * * *`;
}

const DAYS: Record<string, number> = {
  sunday: 0, sun: 0, monday: 1, mon: 1, tuesday: 2, tue: 2, wednesday: 3, wed: 3,
  thursday: 4, thu: 4, friday: 5, fri: 5, saturday: 6, sat: 6,
};

export type Weekday =
  | 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday'
  | 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';

/** Every week on `day` (a name, or 0-6 with 0 = Sunday) at `time` (default midnight) (Laravel's weeklyOn). */
export function weeklyOn(day: Weekday | number, time = '00:00'): string {
  let n: number | undefined;
  if (typeof day === 'number') n = Number.isInteger(day) && day >= 0 && day <= 6 ? day : undefined;
  else if (typeof day === 'string') n = DAYS[day.toLowerCase()];
  if (n === undefined) {
    throw new ScheduleExpressionError('weeklyOn', `the day must be a weekday name ('monday' or 'mon') or 0-6 with 0 = Sunday, got ${JSON.stringify(day)}`);
  }
  return `${clock(time, 'weeklyOn')} * * ${n}`;
}

/** Every month on day `dayOfMonth` (1-31) at `time` (default midnight) (Laravel's monthlyOn). */
export function monthlyOn(dayOfMonth: number, time = '00:00'): string {
  return `${clock(time, 'monthlyOn')} ${whole(dayOfMonth, 1, 31, 'monthlyOn', 'day of the month')} * *`;
}

/** 'HH:MM[:SS]' as the cron fields `[S ]M H`. */
function clock(time: string, helper: string): string {
  const match = typeof time === 'string' ? /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim()) : null;
  const [h, m, s] = match ? [Number(match[1]), Number(match[2]), match[3] === undefined ? undefined : Number(match[3])] : [];
  if (!match || h === undefined || m === undefined || h > 23 || m > 59 || (s !== undefined && s > 59)) {
    throw new ScheduleExpressionError(helper, `the time must be 'HH:MM' or 'HH:MM:SS' on a 24-hour clock, got ${JSON.stringify(time)}`);
  }
  return s === undefined ? `${m} ${h}` : `${s} ${m} ${h}`;
}

function whole(n: number, min: number, max: number, helper: string, what: string): number {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ScheduleExpressionError(helper, `the ${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(n)}`);
  }
  return n;
}

function divisor(n: number, of: number, helper: string): number {
  if (!Number.isInteger(n) || n < 1 || n > of || of % n !== 0) {
    throw new ScheduleExpressionError(helper, `${JSON.stringify(n)} does not divide ${of}: the step restarts every ${of === 60 ? 'minute or hour' : 'day'}, so use one of ${divisorsOf(of).join(', ')}, or write the cron expression`);
  }
  return n;
}

function divisorsOf(of: number): number[] {
  return Array.from({ length: of }, (_, i) => i + 1).filter((d) => of % d === 0);
}
