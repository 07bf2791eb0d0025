import { InvalidJobDataError } from '../errors';

/**
 * Deepest nesting job data may have. JSON.stringify and JSON.parse recurse, so data much deeper than this
 * cannot be sent or read back; no real job needs it.
 */
export const MAX_DATA_DEPTH = 1000;

/** One step of the walk: a value to check, or the end of an object's children (it leaves the ancestor set). */
type Step = { value: unknown; path: string; depth: number } | { leave: object };

/**
 * Refuses data that JSON would silently change: functions, undefined, symbols, BigInt, NaN, Infinity and -0,
 * class instances other than Date, and cycles; and data nested deeper than MAX_DATA_DEPTH. The error names the
 * path, e.g. `data.user.createdAt`. The walk is iterative: no depth of data can overflow the call stack.
 */
export function assertPlainJson(value: unknown, path = 'data'): void {
  const ancestors = new Set<object>();
  const steps: Step[] = [{ value, path, depth: 0 }];
  while (steps.length > 0) {
    const step = steps.pop() as Step;
    if ('leave' in step) {
      ancestors.delete(step.leave);
      continue;
    }
    const object = checkScalar(step.value, step.path);
    if (object === null) continue;
    if (ancestors.has(object)) throw new InvalidJobDataError(step.path, 'refers back to an enclosing object (a cycle)');
    if (step.depth >= MAX_DATA_DEPTH) {
      throw new InvalidJobDataError(
        step.path,
        `is nested ${step.depth} levels deep, past the limit of ${MAX_DATA_DEPTH}; flatten the data or store it elsewhere and pass a reference`,
      );
    }
    ancestors.add(object);
    steps.push({ leave: object });
    const children = childrenOf(object, step.path);
    for (let i = children.length - 1; i >= 0; i--) {
      steps.push({ value: children[i][1], path: children[i][0], depth: step.depth + 1 });
    }
  }
}

/** Checks a value that has no children; returns the object to walk into, or null when there is nothing to walk. */
function checkScalar(value: unknown, path: string): object | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidJobDataError(path, `is ${value}, which JSON turns into null`);
      if (Object.is(value, -0)) throw new InvalidJobDataError(path, 'is -0, which JSON turns into 0; pass 0');
      return null;
    case 'undefined':
      throw new InvalidJobDataError(path, 'is undefined, which JSON drops; use null or leave the key out');
    case 'function':
      throw new InvalidJobDataError(path, 'is a function, which JSON cannot carry');
    case 'symbol':
      throw new InvalidJobDataError(path, 'is a symbol, which JSON cannot carry');
    case 'bigint':
      throw new InvalidJobDataError(path, 'is a BigInt, which JSON cannot carry; pass it as a string');
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new InvalidJobDataError(path, 'is an invalid Date');
    return null;
  }
  return object;
}

/** The [path, value] pairs of an array's items or a plain object's own keys, in order. */
function childrenOf(object: object, path: string): [string, unknown][] {
  if (Array.isArray(object)) {
    const out: [string, unknown][] = [];
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) throw new InvalidJobDataError(`${path}[${i}]`, 'is a hole in a sparse array, which JSON turns into null');
      out.push([`${path}[${i}]`, object[i]]);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const name = (proto && proto.constructor && proto.constructor.name) || 'an object with a custom prototype';
    throw new InvalidJobDataError(path, `is an instance of ${name}; only plain objects, arrays and Dates survive JSON`);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) {
    throw new InvalidJobDataError(path, 'has symbol keys, which JSON drops');
  }
  return Object.keys(object).map((key) => [
    /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
    (object as Record<string, unknown>)[key],
  ]);
}
