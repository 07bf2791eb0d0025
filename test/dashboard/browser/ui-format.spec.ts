import { PER_PAGE, startingAt } from '../../../lib/dashboard/ui/src/paging';
import { ago, dateTime, duration, period, seconds, tick } from '../../../lib/dashboard/ui/src/format';

describe('Dashboard UI formatting', () => {
  it('shows durations in ms, seconds with two decimals, then minutes', () => {
    expect(duration(undefined)).toBe('—');
    expect(duration(2.5)).toBe('2.5ms');
    expect(duration(7)).toBe('7ms');
    expect(duration(850.4)).toBe('850ms');
    expect(duration(1250)).toBe('1.25s');
    expect(duration(125_000)).toBe('2m 5s');
  });

  it('shows waits in seconds, minutes, hours and days', () => {
    expect(seconds(45)).toBe('45s');
    expect(seconds(200)).toBe('3m 20s');
    expect(seconds(7500)).toBe('2h 5m');
    expect(seconds(97_200)).toBe('1d 3h');
  });

  it("names the stats' periods as Horizon does", () => {
    expect(period(60)).toBe('1 hour');
    expect(period(10080)).toBe('7 days');
    expect(period(90)).toBe('90 minutes');
  });

  it('prints local date-times, relative times and chart ticks', () => {
    const at = new Date(2026, 11, 1, 9, 5, 7).getTime();
    expect(dateTime(at)).toBe('2026-12-01 09:05:07');
    expect(dateTime(new Date(at).toISOString())).toBe('2026-12-01 09:05:07');
    expect(dateTime('not a date')).toBe('—');
    expect(ago(at - 90_000, at)).toBe('1m 30s ago');
    expect(tick(2.5)).toBe('2.5');
    expect(tick(12000)).toBe('12,000');
  });

  it("asks for Horizon's starting_at: the index after which each page starts", () => {
    expect(PER_PAGE).toBe(50);
    expect(startingAt(1)).toBe(-1);
    expect(startingAt(2)).toBe(49);
    expect(startingAt(3)).toBe(99);
  });
});
