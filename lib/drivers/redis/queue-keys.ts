import { queueName } from '../../config/queue-names';

/** The Redis keys of one queue (SEMANTICS.md "Redis layout"). All share the queue's hash tag. */
export interface QueueKeys {
  ready: string;
  delayed: string;
  reserved: string;
  notify: string;
  /**
   * Wake-ups for idle workers that are not about a ready job: a delayed job became the earliest due (or may have
   * no watcher left); at most one token. Blocking workers wait on it beside the notify list, sleeping ones alone.
   */
  wake: string;
}

/**
 * Keys for queue `name` under `prefix`: `queues:{N}`, `queues:{N}:delayed`, `queues:{N}:reserved`,
 * `queues:{N}:notify` and `queues:{N}:wake`, where N is queueName(name) (`default` and `{default}` are both N = `default`).
 *
 * - One layout on a single server and on a cluster: every queue is keyed under its own tag, so its four keys
 *   share one slot and a deployment can move to a cluster without moving keys.
 * - No name reaches another queue's keys: the suffixes hold no `}`, so the last `}` of a key ends the name inside
 *   it and the name can be read back from the key alone (`x:notify` is `queues:{x:notify}`, never `queues:{x}:notify`).
 * - A tag inside a name is part of the name: `a{b}c` is `queues:{a{b}c}` (its slot is that of `a{b`; Redis hashes
 *   up to the first `}`), and all its keys still share it. A name starting with `}` would leave an empty tag, so
 *   queueName refuses it.
 */
export function queueKeys(prefix: string, name: string, _cluster = false): QueueKeys {
  const ready = `${prefix}queues:{${queueName(name)}}`;
  return { ready, delayed: `${ready}:delayed`, reserved: `${ready}:reserved`, notify: `${ready}:notify`, wake: `${ready}:wake` };
}

/** A queue's keys of the old layout; `movable` when one script can move them (same server, no slots). */
export interface LegacyQueueKeys extends Omit<QueueKeys, 'notify' | 'wake'> {
  movable: boolean;
}

/**
 * The keys queue `name` had before every queue was keyed under its own tag (on a single server `emails` was
 * `queues:emails`, and `x:notify`'s ready list was queue `x`'s notify list), or null when there were none apart
 * from the keys above: on a cluster the old keys of a name were already `queues:{name}` unless the name held a tag
 * of its own (`a{b}c`); those sit in another slot, so they are not `movable`. A name starting with `{` (`{a}b`)
 * could read as a key of the new layout, so it is left alone. See drain-legacy.lua.
 */
export function legacyQueueKeys(prefix: string, name: string, cluster: boolean): LegacyQueueKeys | null {
  const normal = queueName(name);
  if (normal.startsWith('{')) return null;
  if (cluster && !/\{[^}]+\}/.test(normal)) return null;
  const ready = `${prefix}queues:${normal}`;
  return { ready, delayed: `${ready}:delayed`, reserved: `${ready}:reserved`, movable: !cluster };
}
