import { JobRecordWriter } from '../../lib/drivers/redis/job-record-writer';

const MINUTE = 60000;

describe('when the worker pop asks its script to trim the records lists (JobRecordWriter.reserveFlag)', () => {
  let now = 1_800_000_000_000;
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  const writer = (completed: number) =>
    new JobRecordWriter({ trims: { pending: MINUTE, completed, failed: MINUTE, monitored: MINUTE }, silenced: new Set() }, 'p:', 'redis');

  it('trims on every 8th small call, and on each call that acks 8 jobs or more', () => {
    const w = writer(60 * MINUTE);
    expect(w.reserveFlag(1)).toBe('1');
    expect(Array.from({ length: 7 }, () => w.reserveFlag(1))).toEqual(Array(7).fill('2'));
    expect(w.reserveFlag(1)).toBe('1');
    expect(w.reserveFlag(8)).toBe('1');
    expect(w.reserveFlag(50)).toBe('1');
    expect(w.reserveFlag(2)).toBe('2');
  });

  it('does not count a call that acks nothing (it writes no record)', () => {
    const w = writer(60 * MINUTE);
    expect(w.reserveFlag(1)).toBe('1');
    expect(Array.from({ length: 20 }, () => w.reserveFlag(0))).toEqual(Array(20).fill('2'));
    expect(Array.from({ length: 7 }, () => w.reserveFlag(1))).toEqual(Array(7).fill('2'));
    expect(w.reserveFlag(1)).toBe('1');
  });

  it('trims a small call once the last trim is a second old, or a tenth of trim.completed when that is shorter', () => {
    const long = writer(60 * MINUTE);
    expect(long.reserveFlag(1)).toBe('1');
    now += 999;
    expect(long.reserveFlag(1)).toBe('2');
    now += 1;
    expect(long.reserveFlag(1)).toBe('1');

    const short = writer(120); // 0.002 minutes: trimmed at most 12 ms late
    expect(short.reserveFlag(1)).toBe('1');
    now += 11;
    expect(short.reserveFlag(1)).toBe('2');
    now += 1;
    expect(short.reserveFlag(1)).toBe('1');
  });
});
