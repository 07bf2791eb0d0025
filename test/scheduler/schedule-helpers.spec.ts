import { daily, dailyAt, every, hourlyAt, Job, monthlyOn, ScheduleExpressionError, Scheduled, weeklyOn } from '../../lib';
import { CronSchedule } from '../../lib/config/cron-schedule';

describe('schedule helpers', () => {
  it('spell the common cases as cron expressions', () => {
    expect(every.second()).toBe('* * * * * *');
    expect(every.seconds(15)).toBe('*/15 * * * * *');
    expect(every.minute()).toBe('* * * * *');
    expect(every.minutes(5)).toBe('*/5 * * * *');
    expect(every.hour()).toBe('0 * * * *');
    expect(every.hours(6)).toBe('0 */6 * * *');
    expect(hourlyAt(17)).toBe('17 * * * *');
    expect(daily()).toBe('0 0 * * *');
    expect(dailyAt('03:00')).toBe('0 3 * * *');
    expect(dailyAt('3:05:30')).toBe('30 5 3 * * *');
    expect(weeklyOn('monday', '8:30')).toBe('30 8 * * 1');
    expect(weeklyOn('sun')).toBe('0 0 * * 0');
    expect(weeklyOn(6, '23:59')).toBe('59 23 * * 6');
    expect(monthlyOn(1, '00:00')).toBe('0 0 1 * *');
  });

  it('come due when their cron says', () => {
    const utc = (s: string) => new Date(`${s}Z`);
    expect(new CronSchedule(every.minutes(5), 'UTC').next(utc('2026-12-01T10:02:10'))).toEqual(utc('2026-12-01T10:05:00'));
    expect(new CronSchedule(weeklyOn('monday', '08:30'), 'UTC').next(utc('2026-12-01T10:00:00'))).toEqual(utc('2026-12-07T08:30:00'));
    expect(new CronSchedule('0 3 * * MON-FRI', 'UTC').next(utc('2026-12-05T04:00:00'))).toEqual(utc('2026-12-07T03:00:00'));
    expect(new CronSchedule(every.second(), 'UTC').isDueAt(utc('2026-12-01T10:00:00.900'))).toBe(true);
    expect(new CronSchedule(dailyAt('03:00'), 'Europe/Amsterdam').isDueAt(utc('2026-12-01T02:00:00.100'))).toBe(true);
    expect(new CronSchedule(dailyAt('03:00'), 'Europe/Amsterdam').isDueAt(utc('2026-12-01T03:00:00'))).toBe(false);
  });

  it('refuse values that make no schedule, naming the helper', () => {
    expect(() => every.minutes(7)).toThrow(ScheduleExpressionError);
    expect(() => every.minutes(7)).toThrow(/every\.minutes\(\): 7 does not divide 60.*1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60/);
    expect(() => every.seconds(0)).toThrow(/every\.seconds\(\)/);
    expect(() => every.hours(5)).toThrow(/every\.hours\(\): 5 does not divide 24/);
    expect(() => dailyAt('25:00')).toThrow(/dailyAt\(\): the time must be 'HH:MM' or 'HH:MM:SS'.*"25:00"/);
    expect(() => dailyAt('noon')).toThrow(/dailyAt\(\)/);
    expect(() => weeklyOn('funday' as 'monday', '08:00')).toThrow(/weeklyOn\(\): the day must be a weekday name/);
    expect(() => weeklyOn(7)).toThrow(/weeklyOn\(\)/);
    expect(() => hourlyAt(60)).toThrow(/hourlyAt\(\): the minute must be a whole number from 0 to 59, got 60/);
    expect(() => monthlyOn(0)).toThrow(/monthlyOn\(\): the day of the month must be a whole number from 1 to 31/);
  });
});

describe('@Scheduled types', () => {
  it('checks the data against the job handle at compile time', () => {
    // Compiled by `tsc -p tsconfig.spec.json`: the @ts-expect-error below fails the type check if the error goes.
    @Job()
    @Scheduled(every.hour(), { data: { full: true } })
    @Scheduled(daily())
    // @ts-expect-error full is a boolean in handle's data
    @Scheduled(daily(), { data: { full: 'yes' } })
    class Typed {
      async handle(_data: { full?: boolean }): Promise<void> {}
    }
    expect(Reflect.getMetadata('nestjs-queue:scheduled', Typed)).toHaveLength(3);
  });
});
