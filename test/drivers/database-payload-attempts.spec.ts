import { withAttempts } from '../../lib/drivers/database/payload-attempts';

describe('the database driver raises attempts in the payload it hands out', () => {
  it('inserts attempts after the version when the payload leaves it out at 0', () => {
    expect(withAttempts('{"v":1,"uuid":"a","job":"J","data":{}}', 1)).toBe('{"v":1,"attempts":1,"uuid":"a","job":"J","data":{}}');
  });

  it('adds the reservations to attempts the payload already carries', () => {
    expect(withAttempts('{"v":2,"attempts":3,"uuid":"a"}', 2)).toBe('{"v":2,"attempts":5,"uuid":"a"}');
  });

  it('leaves a payload without the dispatcher\'s head as stored, for the worker to fail as unreadable', () => {
    expect(withAttempts('not json', 1)).toBe('not json');
    expect(withAttempts('{"uuid":"a","v":1}', 1)).toBe('{"uuid":"a","v":1}');
  });

  it('reads only the head: an "attempts" key further on is data', () => {
    expect(withAttempts('{"v":1,"uuid":"a","data":{"attempts":9}}', 1)).toBe('{"v":1,"attempts":1,"uuid":"a","data":{"attempts":9}}');
  });
});
