import { InvalidQueueNameError, QueueConfigError } from '../../lib';
import { parseQueueList, queueName, requireQueueName, sameQueue } from '../../lib/config/queue-names';

const named = { priority: 'critical,high,default,low', emails: 'transactional, marketing' };

describe('parseQueueList', () => {
  it('splits a comma list and trims the names', () => {
    expect(parseQueueList(' high , default,low ', named)).toEqual(['high', 'default', 'low']);
  });

  it('expands a single name that is a named list', () => {
    expect(parseQueueList('priority', named)).toEqual(['priority', 'critical', 'high', 'default', 'low']);
    expect(parseQueueList(' emails ', named)).toEqual(['emails', 'transactional', 'marketing']);
    // A list that names itself is served as written.
    expect(parseQueueList('mail', { mail: 'urgent,mail' })).toEqual(['urgent', 'mail']);
  });

  it('reads a value containing a comma literally, even when its parts are list names', () => {
    expect(parseQueueList('priority,low', named)).toEqual(['priority', 'low']);
  });

  it('returns any other single name as one queue', () => {
    expect(parseQueueList('exports', named)).toEqual(['exports']);
    expect(parseQueueList('{default}', {})).toEqual(['default']);
  });

  it('expands one level only', () => {
    expect(parseQueueList('outer', { outer: 'inner', inner: 'a,b' })).toEqual(['outer', 'inner']);
  });

  it('does not treat inherited object properties as list names', () => {
    expect(parseQueueList('constructor', {})).toEqual(['constructor']);
    expect(parseQueueList('toString', named)).toEqual(['toString']);
  });

  it('works without named lists', () => {
    expect(parseQueueList('a,b')).toEqual(['a', 'b']);
  });

  it('drops repeated names, keeping the first position', () => {
    expect(parseQueueList('high,low,high', named)).toEqual(['high', 'low']);
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['a,,b', 'empty queue name at position 2'],
    ['a,', 'empty queue name at position 2'],
    [',a', 'empty queue name at position 1'],
  ])('rejects %p with a clear error', (value, problem) => {
    expect(() => parseQueueList(value, named)).toThrow(problem);
    expect(() => parseQueueList(value, named)).toThrow('e.g. "high,default"');
  });

  it('rejects a named list with an empty name, naming the list', () => {
    expect(() => parseQueueList('broken', { broken: 'a,,b' })).toThrow('the queue list named "broken"');
  });

  it('rejects a value that is not a string', () => {
    expect(() => parseQueueList(5 as unknown as string, named)).toThrow('must be a string');
  });
});

describe('queueName', () => {
  it('is the name without one outer hash tag and without surrounding spaces', () => {
    expect(queueName('{default}')).toBe('default');
    expect(queueName('default')).toBe('default');
    expect(queueName(' { emails } ')).toBe('emails');
    expect(queueName('x:notify')).toBe('x:notify');
  });

  it('keeps a tag that is only part of the name, and strips only one', () => {
    expect(queueName('a{b}c')).toBe('a{b}c');
    expect(queueName('{a}b')).toBe('{a}b');
    expect(queueName('{a}{b}')).toBe('{a}{b}');
    expect(queueName('{{a}}')).toBe('{{a}}');
  });

  it.each([
    ['', 'is empty'],
    ['{ }', 'is empty'],
    ['a,b', 'contains a comma'],
    ['}x', 'starts with "}"'],
  ])('refuses %p with an InvalidQueueNameError (%s)', (name, problem) => {
    expect(() => queueName(name)).toThrow(InvalidQueueNameError);
    expect(() => queueName(name)).toThrow(problem);
  });

  it('compares names as one queue', () => {
    expect(sameQueue('default', '{default}')).toBe(true);
    expect(sameQueue('x', 'x:notify')).toBe(false);
  });

  it('dedupes a list naming a queue in both forms, keeping the first place', () => {
    expect(parseQueueList('{default},high,default')).toEqual(['default', 'high']);
  });

  it('names the config key of a bad connection queue', () => {
    expect(() => requireQueueName('a,b', 'connections.redis.queue')).toThrow(QueueConfigError);
    expect(() => requireQueueName(5, 'connections.redis.queue')).toThrow('connections.redis.queue');
    expect(requireQueueName('{jobs}', 'k')).toBe('jobs');
  });
});
