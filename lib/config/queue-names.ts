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
 * Names are trimmed, duplicates after the first are dropped (order is priority), and an empty name
 * (`''`, `'high,,low'`, `'high,'`) is an error.
 */
export function parseQueueList(value: string, named: Readonly<Record<string, string>> = {}): string[] {
  if (typeof value !== 'string') {
    throw new Error(`A queue list must be a string of comma-separated queue names, got ${describe(value)}.`);
  }
  const trimmed = value.trim();
  if (!trimmed.includes(',') && trimmed !== '' && Object.prototype.hasOwnProperty.call(named, trimmed)) {
    const list = named[trimmed];
    if (typeof list !== 'string') {
      throw new Error(`The queue list named "${trimmed}" must be a string of comma-separated queue names.`);
    }
    const names = splitNames(list, `the queue list named "${trimmed}" ("${list}")`);
    return names.includes(trimmed) ? names : [trimmed, ...names];
  }
  return splitNames(value, `"${value}"`);
}

function splitNames(list: string, what: string): string[] {
  const parts = list.split(',').map((part) => part.trim());
  const names: string[] = [];
  parts.forEach((name, index) => {
    if (name === '') {
      const problem = parts.length === 1 ? 'is empty' : `has an empty queue name at position ${index + 1}`;
      throw new Error(
        `Queue list ${what} ${problem}; give one or more queue names separated by commas, e.g. "high,default".`,
      );
    }
    if (!names.includes(name)) names.push(name);
  });
  return names;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
