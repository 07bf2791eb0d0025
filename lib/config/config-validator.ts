import { QueueConfigError } from '../errors/config.errors';
import type { DatabaseOptions, RedisServerOptions, SupervisorOptions } from './queue-options.interface';
import type { ResolvedConnection } from './resolved-config.interface';
import { parseQueueList, requireQueueName } from './queue-names';

/**
 * Checks of single values and single entries. Each takes the raw (unknown) value and the dotted key it sits
 * at, and either returns the value typed or throws a QueueConfigError naming that key.
 */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** ` (from the X environment variable)`, or '' when the value was not taken from the environment. */
export function envNote(variable: string | undefined): string {
  return variable ? ` (from the ${variable} environment variable)` : '';
}

export function requireObject(value: unknown, key: string, what = 'an object'): PlainObject {
  if (!isPlainObject(value)) throw new QueueConfigError(key, `must be ${what}, got ${describeValue(value)}`);
  return value;
}

/** Refuses keys outside `known`, with a hint for snake_case (`retry_after`) and near-miss spellings. */
export function checkKnownKeys(obj: PlainObject, known: readonly string[], prefix: string): void {
  for (const name of Object.keys(obj)) {
    if (known.includes(name)) continue;
    const key = prefix ? `${prefix}.${name}` : name;
    const guess = suggest(name, known);
    throw new QueueConfigError(
      key,
      `unknown setting "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; ` +
        `known settings here are: ${known.join(', ')}`,
    );
  }
}

function suggest(name: string, known: readonly string[]): string | undefined {
  const camel = name.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (known.includes(camel)) return camel;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export function requireString(value: unknown, key: string, source?: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new QueueConfigError(key, `must be a non-empty string, got ${describeValue(value)}${envNote(source)}`);
  }
  return value.trim();
}

export function requireOneOf<T extends string | boolean>(
  value: unknown,
  allowed: readonly T[],
  key: string,
  extra = '',
): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const list = allowed.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
  throw new QueueConfigError(key, `must be one of ${list}, got ${describeValue(value)}${extra}`);
}

export interface NumberRule {
  min: number;
  /** The minimum itself is allowed (>=) unless `exclusive` (>). */
  exclusive?: boolean;
  integer?: boolean;
  max?: number;
}

export function requireNumber(value: unknown, key: string, rule: NumberRule): number {
  const kind = rule.integer ? 'an integer' : 'a number';
  const bound = rule.exclusive ? `greater than ${rule.min}` : rule.min === 0 ? '0 or more' : `at least ${rule.min}`;
  const range = rule.max === undefined ? bound : `from ${rule.min} to ${rule.max}`;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.exclusive ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.integer || Number.isSafeInteger(value));
  if (!ok) throw new QueueConfigError(key, `must be ${kind} ${range}, got ${describeValue(value)}`);
  return value as number;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export function requireTableName(value: unknown, key: string): string {
  if (typeof value !== 'string' || !TABLE_NAME.test(value)) {
    throw new QueueConfigError(
      key,
      'must be a table name of letters, digits and underscores (optionally "schema.table"), ' +
        `got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A comma list of queue names (no named-list expansion), returned normalised: 'a, b' → 'a,b'. */
export function requireQueueList(value: unknown, key: string): string {
  if (typeof value !== 'string') {
    throw new QueueConfigError(key, `must be a string of comma-separated queue names, got ${describeValue(value)}`);
  }
  try {
    return parseQueueList(value, {}).join(',');
  } catch (error) {
    throw new QueueConfigError(key, (error as Error).message);
  }
}

/** One entry of `redis`: `{ url, ...ioredis options }`, plain ioredis options, or `{ cluster, options? }`. */
export function validateRedisServer(value: unknown, key: string, source?: string): RedisServerOptions {
  const server = requireObject(value, key, 'an object: { url }, ioredis options, or { cluster: [...] }');
  if ('url' in server) {
    const url = server.url;
    if (typeof url !== 'string') {
      throw new QueueConfigError(`${key}.url`, `must be a redis:// or rediss:// URL string, got ${describeValue(url)}`);
    }
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new QueueConfigError(
        `${key}.url`,
        `is not a valid URL${envNote(source)}; expected redis://[user:password@]host:port[/db] or rediss://...`,
      );
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new QueueConfigError(
        `${key}.url`,
        `must use the redis:// or rediss:// scheme, got "${protocol}//"${envNote(source)}`,
      );
    }
  }
  if ('cluster' in server) {
    const nodes = server.cluster;
    if (!Array.isArray(nodes) || nodes.length === 0) {
      throw new QueueConfigError(
        `${key}.cluster`,
        'must be a non-empty array of cluster nodes ({ host, port }, "host:port" or a port), ' +
          `got ${describeValue(nodes)}`,
      );
    }
    nodes.forEach((node: unknown, index) => {
      if (typeof node !== 'string' && typeof node !== 'number' && !isPlainObject(node)) {
        throw new QueueConfigError(
          `${key}.cluster.${index}`,
          `must be { host, port }, "host:port" or a port, got ${describeValue(node)}`,
        );
      }
    });
    if (server.options !== undefined) {
      requireObject(server.options, `${key}.options`, 'an object of ioredis ClusterOptions');
    }
  }
  if (server.failoverTimeout !== undefined) requireNumber(server.failoverTimeout, `${key}.failoverTimeout`, { min: 0, max: 3600 });
  if (server.replicas !== undefined) requireNumber(server.replicas, `${key}.replicas`, { min: 0, integer: true, max: 100 });
  if (server.replicasTimeout !== undefined) {
    requireNumber(server.replicasTimeout, `${key}.replicasTimeout`, { min: 0, exclusive: true, max: 3600 });
  }
  return server as RedisServerOptions;
}

/** One entry of `databases`: a knex configuration. */
export function validateDatabase(value: unknown, key: string): DatabaseOptions {
  const db = requireObject(value, key, "a knex configuration object, e.g. { client: 'pg', connection: '...' }");
  requireString(db.client, `${key}.client`);
  const connection = db.connection;
  const connectionOk =
    (typeof connection === 'string' && connection.trim() !== '') || isPlainObject(connection);
  if (!connectionOk) {
    throw new QueueConfigError(
      `${key}.connection`,
      `must be a connection URL string or a knex connection object, got ${describeValue(connection)}`,
    );
  }
  return db as DatabaseOptions;
}

/** An encryption key: 'base64:' + base64 of exactly 32 bytes, or exactly 64 hex digits. Never echoes the key. */
export function decodeEncryptionKey(value: unknown, key: string, source?: string): Buffer {
  const expected = "must be 32 bytes written as 'base64:' followed by their base64, or as 64 hex digits";
  if (typeof value !== 'string') throw new QueueConfigError(key, `${expected}; got ${describeValue(value)}`);
  const text = value.trim();
  if (text.startsWith('base64:')) {
    const encoded = text.slice('base64:'.length);
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.toString('base64') !== encoded) {
      throw new QueueConfigError(key, `${expected}; the text after 'base64:' is not valid base64${envNote(source)}`);
    }
    if (bytes.length !== 32) {
      throw new QueueConfigError(key, `${expected}; it decodes to ${bytes.length} bytes${envNote(source)}`);
    }
    return bytes;
  }
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  throw new QueueConfigError(
    key,
    `${expected}${envNote(source)}. Generate one with: ` +
      `node -e "console.log('base64:'+require('crypto').randomBytes(32).toString('base64'))"`,
  );
}

const SUPERVISOR_KEYS: Record<keyof SupervisorOptions, true> = {
  connection: true,
  queue: true,
  balance: true,
  autoScalingStrategy: true,
  processes: true,
  maxProcesses: true,
  minProcesses: true,
  balanceMaxShift: true,
  balanceCooldown: true,
  memory: true,
  tries: true,
  timeout: true,
  sleep: true,
  backoff: true,
  maxJobs: true,
  maxTime: true,
  rest: true,
  nice: true,
  concurrency: true,
  block: true,
  force: true,
};

const SUPERVISOR_COUNTS = ['processes', 'maxProcesses', 'minProcesses', 'balanceMaxShift', 'tries', 'maxJobs'] as const;
const SUPERVISOR_AMOUNTS = ['balanceCooldown', 'memory', 'timeout', 'sleep', 'maxTime', 'rest'] as const;

export interface SupervisorContext {
  connections: Readonly<Record<string, ResolvedConnection>>;
  queues: Readonly<Record<string, string>>;
  defaultConnection: string;
}

/**
 * One supervisor of one environment. Returns a copy with `connection` filled in (the default connection when
 * absent) and `queue` as a list (a string is read by parseQueueList, so it may name a list under `queues`).
 */
export function validateSupervisor(value: unknown, key: string, ctx: SupervisorContext): SupervisorOptions {
  const sup = requireObject(value, key);
  checkKnownKeys(sup, Object.keys(SUPERVISOR_KEYS), key);

  const connection =
    sup.connection === undefined ? ctx.defaultConnection : requireString(sup.connection, `${key}.connection`);
  const resolved = Object.prototype.hasOwnProperty.call(ctx.connections, connection)
    ? ctx.connections[connection]
    : undefined;
  if (!resolved) {
    throw new QueueConfigError(
      `${key}.connection`,
      `no connection named "${connection}" is defined under "connections"; ` +
        `defined: ${Object.keys(ctx.connections).join(', ')}`,
    );
  }
  if (resolved.driver !== 'redis') {
    throw new QueueConfigError(
      `${key}.connection`,
      resolved.driver === 'sync'
        ? `"${connection}" uses the sync driver, which runs jobs inline; supervisors need a redis connection`
        : `"${connection}" uses the ${resolved.driver} driver; supervisors (Horizon) keep their state in Redis and need a redis connection`,
    );
  }

  const queue = supervisorQueues(sup.queue, `${key}.queue`, ctx.queues);
  const balance =
    sup.balance === undefined
      ? undefined
      : requireOneOf(sup.balance, ['auto', 'simple', false] as const, `${key}.balance`);
  const strategy =
    sup.autoScalingStrategy === undefined
      ? undefined
      : requireOneOf(sup.autoScalingStrategy, ['time', 'size'] as const, `${key}.autoScalingStrategy`);

  const out: SupervisorOptions = { ...(sup as Partial<SupervisorOptions>), connection, queue };
  if (balance !== undefined) out.balance = balance;
  if (strategy !== undefined) out.autoScalingStrategy = strategy;
  for (const field of SUPERVISOR_COUNTS) {
    if (sup[field] !== undefined) out[field] = requireNumber(sup[field], `${key}.${field}`, { min: 0, integer: true });
  }
  for (const field of SUPERVISOR_AMOUNTS) {
    if (sup[field] !== undefined) out[field] = requireNumber(sup[field], `${key}.${field}`, { min: 0 });
  }
  if (sup.concurrency !== undefined) {
    out.concurrency = requireNumber(sup.concurrency, `${key}.concurrency`, { min: 1, integer: true });
  }
  if (sup.nice !== undefined) out.nice = requireNumber(sup.nice, `${key}.nice`, { min: -20, max: 19, integer: true });
  if (sup.block !== undefined) out.block = requireNumber(sup.block, `${key}.block`, { min: 0 });
  if (sup.force !== undefined) out.force = requireOneOf(sup.force, [true, false] as const, `${key}.force`);
  if (sup.backoff !== undefined) out.backoff = supervisorBackoff(sup.backoff, `${key}.backoff`);

  if (out.minProcesses !== undefined && out.maxProcesses !== undefined && out.minProcesses > out.maxProcesses) {
    throw new QueueConfigError(
      `${key}.minProcesses`,
      `must not exceed maxProcesses (${out.minProcesses} > ${out.maxProcesses})`,
    );
  }
  return out;
}

function supervisorQueues(value: unknown, key: string, named: Readonly<Record<string, string>>): string[] {
  if (typeof value === 'string') {
    try {
      return parseQueueList(value, named);
    } catch (error) {
      throw new QueueConfigError(key, (error as Error).message);
    }
  }
  if (Array.isArray(value) && value.length > 0) {
    const names: string[] = [];
    value.forEach((name: unknown, index) => {
      const checked = requireQueueName(name, `${key}.${index}`);
      if (!names.includes(checked)) names.push(checked);
    });
    return names;
  }
  throw new QueueConfigError(
    key,
    `must be a non-empty array of queue names or a comma-separated string, got ${describeValue(value)}`,
  );
}

function supervisorBackoff(value: unknown, key: string): number | number[] {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new QueueConfigError(key, 'must be a number of seconds or a non-empty array of them');
    return value.map((v: unknown, i) => requireNumber(v, `${key}.${i}`, { min: 0 }));
  }
  return requireNumber(value, key, { min: 0 });
}
