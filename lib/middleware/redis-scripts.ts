import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from '../redis/redis-connections';

/**
 * The middleware's Lua scripts, kept as `.lua` files in `./scripts` and defined once per client as ioredis
 * commands (EVALSHA with a transparent EVAL fallback). Command names carry a prefix of their own so they never
 * clash with commands other parts of the package define on the same shared client.
 */
const SCRIPTS = {
  durationAcquire: { file: 'duration-acquire.lua', keys: 1 },
  durationTooMany: { file: 'duration-too-many.lua', keys: 1 },
  lockRelease: { file: 'lock-release.lua', keys: 1 },
} as const;

export type MiddlewareScript = keyof typeof SCRIPTS;

type ScriptArg = string | number;
type DefinedCommand = (...args: ScriptArg[]) => Promise<unknown>;

const COMMAND_PREFIX = 'nestjsQueueMiddleware_';
const sources = new Map<MiddlewareScript, string>();
const definedOn = new WeakMap<RedisClient, Set<MiddlewareScript>>();

function source(script: MiddlewareScript): string {
  let lua = sources.get(script);
  if (lua === undefined) {
    lua = readFileSync(join(__dirname, 'scripts', SCRIPTS[script].file), 'utf8');
    sources.set(script, lua);
  }
  return lua;
}

function commandOf(client: RedisClient, script: MiddlewareScript): DefinedCommand {
  const name = COMMAND_PREFIX + script;
  const commands = client as unknown as Record<string, DefinedCommand | undefined>;
  let defined = definedOn.get(client);
  if (!defined) {
    defined = new Set();
    definedOn.set(client, defined);
  }
  if (!defined.has(script)) {
    // Another copy of this module (or a second import path) may already have defined it on this client.
    if (typeof commands[name] !== 'function') {
      client.defineCommand(name, { numberOfKeys: SCRIPTS[script].keys, lua: source(script) });
    }
    defined.add(script);
  }
  return (commands[name] as DefinedCommand).bind(client);
}

/** Runs one of the middleware scripts atomically on `client`. */
export function runScript(client: RedisClient, script: MiddlewareScript, keys: string[], args: ScriptArg[]): Promise<unknown> {
  if (keys.length !== SCRIPTS[script].keys) {
    throw new Error(`Script ${script} takes ${SCRIPTS[script].keys} key(s), got ${keys.length}.`);
  }
  return commandOf(client, script)(...keys, ...args);
}
