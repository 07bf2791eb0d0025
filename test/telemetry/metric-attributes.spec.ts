import { MetricAttributes } from '../../lib/telemetry/metric-attributes';

describe('MetricAttributes', () => {
  const where = {
    'messaging.system': 'nestjs-queue', 'messaging.destination.name': 'mail', 'messaging.nestjs_queue.job.name': 'send-mail',
    'messaging.nestjs_queue.connection': 'redis',
  };

  it('hands out one frozen object per attribute set, so an attempt builds none once its set was seen', () => {
    const a = new MetricAttributes();
    const first = a.processed('redis', 'mail', 'send-mail', 'succeeded');
    expect(first).toEqual({ ...where, 'messaging.nestjs_queue.job.outcome': 'succeeded' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(a.processed('redis', 'mail', 'send-mail', 'succeeded')).toBe(first);
    expect(a.processed('redis', 'mail', 'send-mail', 'failed')).not.toBe(first);
    expect(a.processed('redis', 'mail2', 'send-mail', 'succeeded')).not.toBe(first);
  });

  it('the duration carries the error type and the processed count does not; without one they are the same set', () => {
    const a = new MetricAttributes();
    expect(a.duration('redis', 'mail', 'send-mail', 'failed', 'TypeError')).toEqual({
      ...where, 'messaging.nestjs_queue.job.outcome': 'failed', 'error.type': 'TypeError',
    });
    expect(a.processed('redis', 'mail', 'send-mail', 'failed')).toEqual({ ...where, 'messaging.nestjs_queue.job.outcome': 'failed' });
    expect(a.duration('redis', 'mail', 'send-mail', 'succeeded', undefined)).toBe(a.processed('redis', 'mail', 'send-mail', 'succeeded'));
    expect(a.failed('redis', 'mail', 'send-mail', 'TypeError')).toEqual({ ...where, 'error.type': 'TypeError' });
    expect(a.failed('redis', 'mail', 'send-mail', undefined)).toEqual(where);
    expect(a.waited('redis', 'mail', 'send-mail')).toEqual(where);
  });

  it('names that differ only where a separator could hide them stay apart', () => {
    const a = new MetricAttributes();
    expect(a.waited('redis', 'a', 'b\0c')).not.toBe(a.waited('redis', 'a\0b', 'c'));
  });

  it('starts over past 2,000 sets rather than growing without bound (a job name per tenant, an error type per message)', () => {
    const a = new MetricAttributes();
    const first = a.waited('redis', 'q', 'job-0');
    for (let i = 1; i < 2000; i++) a.waited('redis', 'q', `job-${i}`);
    expect(a.waited('redis', 'q', 'job-0')).toBe(first);
    a.waited('redis', 'q', 'job-2000');
    expect(a.waited('redis', 'q', 'job-0')).not.toBe(first);
    expect(a.waited('redis', 'q', 'job-0')).toEqual(first);
  });
});
