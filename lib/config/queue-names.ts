import { InvalidQueueNameError, QueueConfigError } from '../errors';

/** A whole name that is one hash tag: `{default}` (the tag holds no braces). */
const WHOLE_TAG = /^\{([^{}]+)\}$/;

/**
 * The one name of a queue, as every part of nestjs-queue shows and compares it (SEMANTICS.md "Redis layout").
 *
 * - Surrounding spaces are dropped: `' emails '` is `emails` (a worker's `--queue` list trims its names).
 * - A name that is one hash tag is the queue inside it: `{default}` is `default`. Every queue is keyed under its
 *   own tag (lib/drivers/redis/queue-keys.ts), so the tag the seed writes and the bare name are one queue.
 *   A tag that is only part of a name is part of the name: `a{b}c` is the queue `a{b}c`.
 *
 * Refused, with an InvalidQueueNameError that says what to write instead: a name that is not a string, an empty
 * name, a name with a comma (a worker reads `a,b` as two queues, so none could serve it), and a name starting
 * with `}` (Redis Cluster would hash its keys to different slots).
 */
export function queueName(name: string): string {
  if (typeof name !== 'string') {
    throw new InvalidQueueNameError(String(name), `A queue name must be a string, got ${describe(name)}.`);
  }
  let out = name.trim();
  const tag = WHOLE_TAG.exec(out);
  if (tag) out = tag[1].trim();
  if (out === '') {
    throw new InvalidQueueNameError(name, `Queue name ${JSON.stringify(name)} is empty; give the queue a name, e.g. "default" or "emails".`);
  }
  if (out.includes(',')) {
    throw new InvalidQueueNameError(
      name,
      `Queue name ${JSON.stringify(name)} contains a comma, which separates queues in a worker's --queue list, ` +
        'so no worker could serve it; use another character, e.g. "-" or ":".',
    );
  }
  if (out.startsWith('}')) {
    throw new InvalidQueueNameError(
      name,
      `Queue name ${JSON.stringify(name)} starts with "}", which leaves its keys without a hash tag ` +
        '(Redis Cluster would put them in different slots); start it with another character.',
    );
  }
  return out;
}

/** True when `a` and `b` name one queue (`default` and `{default}`). Names that are not valid are compared as written. */
export function sameQueue(a: string, b: string): boolean {
  try {
    return queueName(a) === queueName(b);
  } catch {
    return a === b;
  }
}

/** A queue name from the configuration, checked and normalised; a bad one is a QueueConfigError at `key`. */
export function requireQueueName(value: unknown, key: string): string {
  if (typeof value !== 'string') {
    throw new QueueConfigError(key, `must be a queue name (a string), got ${describe(value)}`);
  }
  try {
    return queueName(value);
  } catch (error) {
    throw new QueueConfigError(key, (error as Error).message);
  }
}

/**
 * Turns a queue setting into the ordered list of queue names it stands for.
 *
 * - A value containing a comma is a literal list: `'high, default'` → `['high', 'default']`.
 * - A single name that is a key of `named` (the `queues` config) stands for the queue of that name followed by
 *   that list: `'priority'` → `['priority', 'critical', 'high', 'default', 'low']` (or just the list when it
 *   names itself). The seed names queues and lists alike (`emails`, `priority`): a job sent to the queue
 *   `emails` must never be stranded by a worker told to work `emails`. Expansion is one level deep.
 * - Any other single name is one queue: `'emails'` → `['emails']` when no list is called so.
 *
 * Each name is normalised by queueName (`{default}` is `default`), duplicates after the first are dropped (order
 * is priority), and an empty name (`''`, `'high,,low'`, `'high,'`) or one queueName refuses is an
 * InvalidQueueNameError.
 */
export function parseQueueList(value: string, named: Readonly<Record<string, string>> = {}): string[] {
  if (typeof value !== 'string') {
    throw new InvalidQueueNameError(String(value), `A queue list must be a string of comma-separated queue names, got ${describe(value)}.`);
  }
  const trimmed = value.trim();
  if (!trimmed.includes(',') && trimmed !== '' && Object.prototype.hasOwnProperty.call(named, trimmed)) {
    const list = named[trimmed];
    if (typeof list !== 'string') {
      throw new InvalidQueueNameError(trimmed, `The queue list named "${trimmed}" must be a string of comma-separated queue names.`);
    }
    const names = splitNames(list, `the queue list named "${trimmed}" ("${list}")`);
    const self = queueName(trimmed);
    return names.includes(self) ? names : [self, ...names];
  }
  return splitNames(value, `"${value}"`);
}

function splitNames(list: string, what: string): string[] {
  const parts = list.split(',').map((part) => part.trim());
  const names: string[] = [];
  parts.forEach((name, index) => {
    if (name === '') {
      const problem = parts.length === 1 ? 'is empty' : `has an empty queue name at position ${index + 1}`;
      throw new InvalidQueueNameError(
        list,
        `Queue list ${what} ${problem}; give one or more queue names separated by commas, e.g. "high,default".`,
      );
    }
    const normal = queueName(name);
    if (!names.includes(normal)) names.push(normal);
  });
  return names;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
