import { validate, version } from 'uuid';
import { newJobId } from '../../lib/bus/job-id';

describe('newJobId', () => {
  it('makes RFC 9562 version 7 UUIDs that carry the time they were made', () => {
    const before = Date.now();
    const id = newJobId();
    const after = Date.now();
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect('89ab').toContain(id[19]);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  it('makes ids that sort in the order they were made, all different, across many random draws', () => {
    const ids = Array.from({ length: 5000 }, () => newJobId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
