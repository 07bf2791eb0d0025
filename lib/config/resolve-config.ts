import { QueueConfigError } from '../errors/config.errors';
import { resolveScheduleConfig } from './schedule-config';
import type {
  ConnectionOptions,
  DatabaseOptions,
  QueueModuleOptions,
  RedisServerOptions,
  SupervisorOptions,
} from './queue-options.interface';
import type {
  ResolvedBatching,
  ResolvedConnection,
  ResolvedFailedStore,
  ResolvedQueueConfig,
} from './resolved-config.interface';
import {
  buildQueueConfigDefaults,
  DEFAULT_BATCHES_TABLE,
  REDIS_CONNECTION_DEFAULTS,
  type QueueConfigDefaults,
} from './config-defaults';
import { resolveHorizon } from './horizon-config';
import { resolveDatabaseConnection } from './database-connection-config';
import { requireQueueName } from './queue-names';
import {
  checkKnownKeys,
  decodeEncryptionKey,
  describeValue,
  envNote,
  isPlainObject,
  requireNumber,
  requireObject,
  requireOneOf,
  requireQueueList,
  requireString,
  requireTableName,
  validateDatabase,
  validateRedisServer,
  validateSupervisor,
  type PlainObject,
} from './config-validator';

/** Every top-level option; typed so that adding a key to QueueModuleOptions without handling it fails to compile. */
const TOP_LEVEL_KEYS: Record<keyof QueueModuleOptions, true> = {
  default: true,
  redis: true,
  connections: true,
  queues: true,
  failed: true,
  databases: true,
  batching: true,
  prefix: true,
  key: true,
  previousKeys: true,
  supervisors: true,
  horizon: true,
  maxPayloadBytes: true,
  schedule: true,
};
const REDIS_CONNECTION_KEYS = ['driver', 'connection', 'queue', 'retryAfter', 'blockFor', 'afterCommit'];
const SUPPORTED_DRIVERS = ['redis', 'sync', 'database'] as const;

/**
 * Turns what the user passed to `QueueModule.forRoot()` into one validated, defaulted, deeply frozen config.
 * The only place in the library that reads the environment (through `env`). Throws a QueueConfigError that
 * names the key at fault.
 */
export function resolveQueueConfig(
  options: QueueModuleOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedQueueConfig {
  const user = requireObject(options ?? {}, 'options', 'an object (the argument of QueueModule.forRoot())');
  checkKnownKeys(user, Object.keys(TOP_LEVEL_KEYS), '');
  const defaults = buildQueueConfigDefaults(env);

  const redis = resolveServers(user.redis, defaults);
  const databases = mergeSection(user.databases, defaults.databases, 'databases', mergeDatabase);
  const connections = resolveConnections(user.connections, defaults.connections, redis, databases);
  const defaultConnection = resolveDefault(user.default, defaults, connections);
  const queues = mergeSection(user.queues, defaults.queues, 'queues', (list, _def, key) => requireQueueList(list, key));

  const stores: StoreContext = { connections, redis, databases, defaultConnection, defaults };
  const failed = resolveFailed(user.failed, stores);
  const batching = resolveBatching(user.batching, stores);

  const supervisors = resolveSupervisors(user.supervisors, connections, queues, defaultConnection);

  const prefix = user.prefix ?? defaults.prefix;
  if (typeof prefix !== 'string') {
    throw new QueueConfigError('prefix', `must be a string put before every Redis key, got ${describeValue(prefix)}`);
  }
  const maxPayloadBytes = requireNumber(user.maxPayloadBytes ?? defaults.maxPayloadBytes, 'maxPayloadBytes', {
    min: 0,
    exclusive: true,
    integer: true,
  });

  const resolved: ResolvedQueueConfig = {
    default: defaultConnection,
    redis,
    connections,
    queues,
    failed,
    databases,
    batching,
    prefix,
    keys: resolveKeys(user.key, user.previousKeys, defaults),
    supervisors,
    horizon: resolveHorizon(user.horizon, connections),
    maxPayloadBytes,
    schedule: resolveScheduleConfig(user.schedule, Object.keys(connections)),
  };
  return freezeCopy(resolved);
}

// ---------------------------------------------------------------------------------------------- merging

/** Adds the user's entries to a section's defaults; same-named entries go through `merge` with the default. */
function mergeSection<D, R>(
  value: unknown,
  defaults: Readonly<Record<string, D>>,
  section: string,
  merge: (value: unknown, def: D | undefined, key: string) => R,
): Record<string, R> {
  const userEntries = value === undefined ? {} : requireObject(value, section, 'an object of named entries');
  const out: Record<string, R> = {};
  for (const name of Object.keys(defaults)) {
    if (!hasOwn(userEntries, name)) out[name] = merge(defaults[name], defaults[name], `${section}.${name}`);
  }
  for (const [name, entry] of Object.entries(userEntries)) {
    out[name] = merge(entry, hasOwn(defaults, name) ? defaults[name] : undefined, `${section}.${name}`);
  }
  return out;
}

function hasOwn(record: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, name);
}

/** `over`'s fields laid over `base`'s, ignoring fields that are `undefined` in `over`. */
function overlay(base: object | undefined, over: PlainObject): PlainObject {
  const out: PlainObject = { ...(base ?? {}) };
  for (const [field, value] of Object.entries(over)) if (value !== undefined) out[field] = value;
  return out;
}

function resolveServers(value: unknown, defaults: QueueConfigDefaults): Record<string, RedisServerOptions> {
  // A same-named user server replaces the default whole: merging { host } over { url } would keep the url.
  return mergeSection(value, defaults.redis, 'redis', (entry, def, key) =>
    validateRedisServer(entry, key, entry === def ? defaults.sources.redisUrl : undefined),
  );
}

function mergeDatabase(value: unknown, def: DatabaseOptions | undefined, key: string): DatabaseOptions {
  const entry = requireObject(value, key, "a knex configuration object, e.g. { client: 'pg', connection: '...' }");
  // Merged over the same-named default when it keeps (or omits) the default's client; otherwise replaced.
  const sameClient = def !== undefined && (entry.client === undefined || entry.client === def.client);
  return validateDatabase(sameClient ? overlay(def, entry) : entry, key);
}

// ---------------------------------------------------------------------------------------------- connections

function resolveConnections(
  value: unknown,
  defaults: Readonly<Record<string, ConnectionOptions>>,
  servers: Readonly<Record<string, RedisServerOptions>>,
  databases: Readonly<Record<string, DatabaseOptions>>,
): Record<string, ResolvedConnection> {
  const out = mergeSection(value, defaults, 'connections', (entry, def, key) =>
    resolveConnection(entry, def, key, servers, databases),
  );
  if (Object.keys(out).length === 0) throw new QueueConfigError('connections', 'at least one connection is needed');
  return out;
}

function resolveConnection(
  value: unknown,
  def: ConnectionOptions | undefined,
  key: string,
  servers: Readonly<Record<string, RedisServerOptions>>,
  databases: Readonly<Record<string, DatabaseOptions>>,
): ResolvedConnection {
  const name = key.slice('connections.'.length);
  const entry = requireObject(value, key, "an object such as { driver: 'redis', queue: 'default' }");
  const driver = entry.driver ?? def?.driver;
  if (driver === undefined) {
    throw new QueueConfigError(`${key}.driver`, `is required; supported drivers are 'redis', 'sync' and 'database'`);
  }
  if (!(SUPPORTED_DRIVERS as readonly unknown[]).includes(driver)) {
    throw new QueueConfigError(
      `${key}.driver`,
      `unknown driver ${typeof driver === 'string' ? `"${driver}"` : describeValue(driver)}; ` +
        `supported drivers are 'redis', 'sync' and 'database'`,
    );
  }
  if (driver === 'database') {
    // The defaults' own `database` connection, untouched, is checked against its database's client only when used.
    return resolveDatabaseConnection(name, overlay(def?.driver === 'database' ? def : undefined, entry), key, databases, value === def);
  }
  if (driver === 'sync') {
    checkKnownKeys(entry, ['driver'], key);
    return { name, driver: 'sync', queue: REDIS_CONNECTION_DEFAULTS.queue };
  }

  checkKnownKeys(entry, REDIS_CONNECTION_KEYS, key);
  const merged = overlay(def?.driver === 'redis' ? def : undefined, entry);
  const server =
    merged.connection === undefined
      ? fallbackServer(servers, `${key}.connection`)
      : requireString(merged.connection, `${key}.connection`);
  if (!hasOwn(servers, server)) {
    throw new QueueConfigError(
      `${key}.connection`,
      `no Redis server named "${server}" is defined under "redis"; defined servers: ${Object.keys(servers).join(', ')}`,
    );
  }
  const queue = requireQueueName(merged.queue ?? REDIS_CONNECTION_DEFAULTS.queue, `${key}.queue`);
  const retryAfter = requireNumber(merged.retryAfter ?? REDIS_CONNECTION_DEFAULTS.retryAfter, `${key}.retryAfter`, {
    min: 0,
    exclusive: true,
  });
  const blockFor =
    merged.blockFor === undefined || merged.blockFor === null
      ? null
      : requireNumber(merged.blockFor, `${key}.blockFor`, { min: 0 });
  const afterCommit = requireOneOf(
    merged.afterCommit ?? REDIS_CONNECTION_DEFAULTS.afterCommit,
    [true, false],
    `${key}.afterCommit`,
  );
  return { name, driver: 'redis', server, queue, retryAfter, blockFor, afterCommit };
}

/** The server a redis connection uses when it names none: 'default', else 'queue', else the first. */
function fallbackServer(servers: Readonly<Record<string, RedisServerOptions>>, key: string): string {
  const names = Object.keys(servers);
  if (names.includes('default')) return 'default';
  if (names.includes('queue')) return 'queue';
  if (names.length === 0) throw new QueueConfigError(key, 'no Redis server is defined under "redis"');
  return names[0];
}

function resolveDefault(
  value: unknown,
  defaults: QueueConfigDefaults,
  connections: Readonly<Record<string, ResolvedConnection>>,
): string {
  const source = value === undefined ? defaults.sources.default : undefined;
  const name = requireString(value ?? defaults.default, 'default', source);
  if (!hasOwn(connections, name)) {
    throw new QueueConfigError(
      'default',
      `no connection named "${name}"${envNote(source)}; defined connections: ${Object.keys(connections).join(', ')}`,
    );
  }
  return name;
}

// ---------------------------------------------------------------------------------------------- failed store, batching

interface StoreContext {
  connections: Readonly<Record<string, ResolvedConnection>>;
  redis: Readonly<Record<string, RedisServerOptions>>;
  databases: Readonly<Record<string, DatabaseOptions>>;
  defaultConnection: string;
  defaults: QueueConfigDefaults;
}

function resolveFailed(value: unknown, ctx: StoreContext): ResolvedFailedStore {
  const { defaults } = ctx;
  const entry = value === undefined ? {} : requireObject(value, 'failed', "an object such as { driver: 'database' }");
  const driverSource = entry.driver === undefined ? defaults.sources.failedDriver : undefined;
  const driver = requireOneOf(
    entry.driver ?? defaults.failed.driver,
    ['database', 'redis', 'null'] as const,
    'failed.driver',
    envNote(driverSource),
  );
  if (driver === 'null') {
    checkKnownKeys(entry, ['driver'], 'failed');
    return { driver: 'null' };
  }
  if (driver === 'redis') {
    checkKnownKeys(entry, ['driver', 'connection'], 'failed');
    return { driver: 'redis', server: storeServer(entry.connection, 'failed.connection', ctx) };
  }
  checkKnownKeys(entry, ['driver', 'database', 'table'], 'failed');
  const dbSource = entry.database === undefined ? defaults.sources.failedDatabase : undefined;
  return {
    driver: 'database',
    database: storeDatabase(entry.database ?? defaults.failed.database, 'failed.database', ctx, dbSource),
    table: requireTableName(entry.table ?? defaults.failed.table, 'failed.table'),
  };
}

function resolveBatching(value: unknown, ctx: StoreContext): ResolvedBatching {
  const { defaults } = ctx;
  const entry = value === undefined ? {} : requireObject(value, 'batching', "an object such as { driver: 'redis' }");
  const drivers = ['redis', 'database'] as const;
  // An app whose default connection is a database connection keeps its batches in that database: no Redis needed.
  const home = databaseOfDefault(ctx);
  const driver = requireOneOf(entry.driver ?? (home ? 'database' : defaults.batching.driver), drivers, 'batching.driver');
  if (driver === 'redis') {
    checkKnownKeys(entry, ['driver', 'connection'], 'batching');
    return { driver: 'redis', server: storeServer(entry.connection, 'batching.connection', ctx) };
  }
  checkKnownKeys(entry, ['driver', 'database', 'table'], 'batching');
  const dbSource = entry.database === undefined ? defaults.sources.failedDatabase : undefined;
  return {
    driver: 'database',
    database: storeDatabase(entry.database ?? home ?? defaults.failed.database, 'batching.database', ctx, home === undefined ? dbSource : undefined),
    table: requireTableName(entry.table ?? DEFAULT_BATCHES_TABLE, 'batching.table'),
  };
}

/** The database of the default connection when that is a database connection, else undefined. */
function databaseOfDefault(ctx: StoreContext): string | undefined {
  const def = ctx.connections[ctx.defaultConnection] as { driver: string; database?: string } | undefined;
  return def?.driver === 'database' ? def.database : undefined;
}

/**
 * A store's Redis server. `connection` names a queue connection, as in Laravel (its server is used), or a Redis
 * server directly. Absent: the default connection's server, or the fallback server if that one is not redis.
 */
function storeServer(value: unknown, key: string, ctx: StoreContext): string {
  if (value === undefined) {
    const def = ctx.connections[ctx.defaultConnection];
    return def.driver === 'redis' ? def.server : fallbackServer(ctx.redis, key);
  }
  const name = requireString(value, key);
  if (hasOwn(ctx.connections, name)) {
    const connection = ctx.connections[name];
    if (connection.driver === 'redis') return connection.server;
    throw new QueueConfigError(
      key,
      `"${name}" is a ${connection.driver} connection, which has no Redis server; ` +
        'name a redis connection or a server under "redis"',
    );
  }
  if (hasOwn(ctx.redis, name)) return name;
  throw new QueueConfigError(
    key,
    `"${name}" is neither a queue connection nor a Redis server; ` +
      `connections: ${Object.keys(ctx.connections).join(', ')}; servers: ${Object.keys(ctx.redis).join(', ')}`,
  );
}

function storeDatabase(value: unknown, key: string, ctx: StoreContext, source?: string): string {
  const name = requireString(value, key, source);
  if (!hasOwn(ctx.databases, name)) {
    throw new QueueConfigError(
      key,
      `no database named "${name}"${envNote(source)} is defined under "databases"; ` +
        `defined: ${Object.keys(ctx.databases).join(', ')}`,
    );
  }
  return name;
}

// ---------------------------------------------------------------------------------------------- supervisors, keys

function resolveSupervisors(
  value: unknown,
  connections: Readonly<Record<string, ResolvedConnection>>,
  queues: Readonly<Record<string, string>>,
  defaultConnection: string,
): Record<string, Record<string, SupervisorOptions>> {
  const ctx = { connections, queues, defaultConnection };
  return mergeSection(value, {}, 'supervisors', (environment, _def, envKey) => {
    const entries = requireObject(environment, envKey, 'an object of named supervisors');
    const out: Record<string, SupervisorOptions> = {};
    for (const [name, sup] of Object.entries(entries)) out[name] = validateSupervisor(sup, `${envKey}.${name}`, ctx);
    return out;
  });
}

function resolveKeys(key: unknown, previousKeys: unknown, defaults: QueueConfigDefaults): Buffer[] {
  const source = key === undefined ? defaults.sources.key : undefined;
  const current = key ?? defaults.key;
  const keys: Buffer[] = [];
  // An empty string (`key: process.env.QUEUE_KEY` with `QUEUE_KEY=`) means no key, like an absent one.
  if (current !== undefined && current !== '') keys.push(decodeEncryptionKey(current, 'key', source));
  if (previousKeys === undefined) return keys;
  if (!Array.isArray(previousKeys)) {
    throw new QueueConfigError('previousKeys', `must be an array of keys, got ${describeValue(previousKeys)}`);
  }
  if (previousKeys.length > 0 && keys.length === 0) {
    throw new QueueConfigError(
      'previousKeys',
      'are only used to decrypt alongside a current key; set `key` (or QUEUE_KEY) too',
    );
  }
  previousKeys.forEach((previous: unknown, index) => keys.push(decodeEncryptionKey(previous, `previousKeys.${index}`)));
  return keys;
}

// ---------------------------------------------------------------------------------------------- freezing

/**
 * A deeply frozen copy: plain objects and arrays are copied, then frozen, so the caller's own objects are never
 * frozen. Anything else (Buffers, functions such as an ioredis retryStrategy, class instances) is kept as is.
 */
function freezeCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map((item: unknown) => freezeCopy(item))) as T;
  if (isPlainObject(value)) {
    const copy: PlainObject = {};
    for (const [field, item] of Object.entries(value)) copy[field] = freezeCopy(item);
    return Object.freeze(copy) as T;
  }
  return value;
}
