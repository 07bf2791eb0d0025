import { InvalidJobDataError } from '../errors';

/**
 * Refuses data that JSON would silently change: functions, undefined, symbols, BigInt, NaN and Infinity,
 * class instances other than Date, and cycles. The error names the path, e.g. `data.user.createdAt`.
 */
export function assertPlainJson(value: unknown, path = 'data'): void {
  visit(value, path, new Set<object>());
}

function visit(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidJobDataError(path, `is ${value}, which JSON turns into null`);
      return;
    case 'undefined':
      throw new InvalidJobDataError(path, 'is undefined, which JSON drops; use null or leave the key out');
    case 'function':
      throw new InvalidJobDataError(path, 'is a function, which JSON cannot carry');
    case 'symbol':
      throw new InvalidJobDataError(path, 'is a symbol, which JSON cannot carry');
    case 'bigint':
      throw new InvalidJobDataError(path, 'is a BigInt, which JSON cannot carry; pass it as a string');
  }
  if (value === null) return;
  const object = value as object;
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new InvalidJobDataError(path, 'is an invalid Date');
    return;
  }
  if (seen.has(object)) throw new InvalidJobDataError(path, 'refers back to an enclosing object (a cycle)');
  seen.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) throw new InvalidJobDataError(`${path}[${i}]`, 'is a hole in a sparse array, which JSON turns into null');
      visit(object[i], `${path}[${i}]`, seen);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (proto && proto.constructor && proto.constructor.name) || 'an object with a custom prototype';
      throw new InvalidJobDataError(path, `is an instance of ${name}; only plain objects, arrays and Dates survive JSON`);
    }
    if (Object.getOwnPropertySymbols(object).length > 0) {
      throw new InvalidJobDataError(path, 'has symbol keys, which JSON drops');
    }
    for (const key of Object.keys(object)) {
      visit((object as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
    }
  }
  seen.delete(object);
}
