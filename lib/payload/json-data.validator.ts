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
  // Most data is a few levels of plain values: checked without building a path, and only data that may be refused
  // takes the walk below, which names the path of what is wrong.
  if (isPlainJson(value, 0, [])) return;
  walk(value, path);
}

/**
 * The data as JSON carries it, as a copy of its own (`JSON.parse(JSON.stringify(data))`), after the checks of
 * assertPlainJson: most data is copied in one quick walk, the rest checked by the full walk first.
 */
export function toPlainJson(value: unknown, path = 'data'): unknown {
  const copy = quickCopy(value, 0);
  if (copy !== UNSURE) return copy;
  assertPlainJson(value, path);
  return JSON.parse(JSON.stringify(value));
}

/** What quickCopy answers when it cannot be sure (the full walk decides). */
const UNSURE = Symbol('unsure');

/** A copy of plain strings, booleans, numbers, null, arrays and plain objects; UNSURE for anything else (or deep). */
function quickCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0) ? value : UNSURE;
    case 'object':
      break;
    default:
      return UNSURE;
  }
  if (value === null) return null;
  // No cycle is possible below this depth without passing it; anything deeper takes the full walk.
  if (depth >= QUICK_DEPTH) return UNSURE;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return UNSURE;
      const item = quickCopy(value[i], depth + 1);
      if (item === UNSURE) return UNSURE;
      out[i] = item;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(value).length > 0) return UNSURE;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    // Assigning `__proto__` would set the copy's prototype instead of a key: the full walk and JSON copy it.
    if (keys[i] === '__proto__') return UNSURE;
    const item = quickCopy((value as Record<string, unknown>)[keys[i]], depth + 1);
    if (item === UNSURE) return UNSURE;
    out[keys[i]] = item;
  }
  return out;
}

/** Nesting the quick check looks into; deeper data takes the full walk. */
const QUICK_DEPTH = 32;

/** True when the quick check finds nothing assertPlainJson would refuse; false when the full walk must look. */
function isPlainJson(value: unknown, depth: number, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= QUICK_DEPTH || ancestors.includes(value)) return false;
  let plain = true;
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && plain; i++) plain = i in value && isPlainJson(value[i], depth + 1, ancestors);
  } else {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Date.prototype) plain = !Number.isNaN((value as Date).getTime());
    else if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(value).length > 0) plain = false;
    else {
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length && plain; i++) plain = isPlainJson((value as Record<string, unknown>)[keys[i]], depth + 1, ancestors);
    }
  }
  ancestors.pop();
  return plain;
}

/** The full walk: the first value that JSON would change, named by its path. */
function walk(value: unknown, path: string): void {
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
