import { join } from 'node:path';
import type { RedisClient } from '../redis/redis-connections';
import { LuaScript } from '../redis/lua-script';

/**
 * The atomic store's Lua scripts, kept as `.lua` files in `./scripts`, called by SHA through LuaScript. (Not
 * ioredis's defineCommand: a command defined on a client while auto-pipelining is under way can break the
 * pipeline it lands in — ioredis issue 1931.)
 */
const SCRIPTS = {
  durationAcquire: { file: 'duration-acquire.lua', keys: 1 },
  durationTooMany: { file: 'duration-too-many.lua', keys: 1 },
  lockRelease: { file: 'lock-release.lua', keys: 1 },
} as const;

export type StoreScript = keyof typeof SCRIPTS;

type ScriptArg = string | number;

const loaded = new Map<StoreScript, LuaScript>();

function script(name: StoreScript): LuaScript {
  let lua = loaded.get(name);
  if (!lua) {
    lua = new LuaScript(join(__dirname, 'scripts', SCRIPTS[name].file));
    loaded.set(name, lua);
  }
  return lua;
}

/** Runs one of the store scripts atomically on `client` (EVALSHA, EVAL once when Redis does not know it). */
export function runScript(client: RedisClient, name: StoreScript, keys: string[], args: ScriptArg[]): Promise<unknown> {
  if (keys.length !== SCRIPTS[name].keys) {
    throw new Error(`Script ${name} takes ${SCRIPTS[name].keys} key(s), got ${keys.length}.`);
  }
  return script(name).run(client, keys, args);
}
