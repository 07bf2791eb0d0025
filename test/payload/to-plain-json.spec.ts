import { InvalidJobDataError } from '../../lib';
import { assertPlainJson, toPlainJson } from '../../lib/payload/json-data.validator';

describe('toPlainJson', () => {
  it('gives a copy equal to what JSON carries, sharing nothing with the data', () => {
    const data = { n: 1, s: 'x', ok: true, none: null, list: [1, { deep: ['a'] }], at: new Date(0) };
    const copy = toPlainJson(data) as typeof data;
    expect(copy).toEqual(JSON.parse(JSON.stringify(data)));
    expect(copy).not.toBe(data);
    expect(copy.list).not.toBe(data.list);
    expect(copy.at).toBe('1970-01-01T00:00:00.000Z');
  });

  it('keeps a "__proto__" key as a key', () => {
    const data = JSON.parse('{"__proto__":{"x":1},"y":2}') as Record<string, unknown>;
    const copy = toPlainJson(data) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['__proto__', 'y']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it.each([
    ['undefined', undefined],
    ['-0', { n: -0 }],
    ['NaN', { n: [NaN] }],
    ['a function', { f: () => 1 }],
    ['a class instance', { m: new Map() }],
    ['a symbol key', { [Symbol('s')]: 1 }],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = { o }; return o; })()],
    ['a sparse array', { a: [1, , 3] }],
  ])('refuses %s with the error assertPlainJson gives', (_what, data) => {
    let expected: unknown;
    try {
      assertPlainJson(data);
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(InvalidJobDataError);
    expect(() => toPlainJson(data)).toThrow((expected as Error).message);
  });
});
