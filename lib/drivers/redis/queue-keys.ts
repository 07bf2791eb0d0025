/** The Redis keys of one queue (SEMANTICS.md "Redis layout"). All share the queue's hash tag. */
export interface QueueKeys {
  ready: string;
  delayed: string;
  reserved: string;
  notify: string;
}

/**
 * Keys for queue `name` under `prefix`. On a cluster a name without a `{...}` hash tag is wrapped as `{name}`
 * so all four keys land in one slot.
 */
export function queueKeys(prefix: string, name: string, cluster: boolean): QueueKeys {
  const tagged = cluster && !/\{[^}]+\}/.test(name) ? `{${name}}` : name;
  const ready = `${prefix}queues:${tagged}`;
  return { ready, delayed: `${ready}:delayed`, reserved: `${ready}:reserved`, notify: `${ready}:notify` };
}
