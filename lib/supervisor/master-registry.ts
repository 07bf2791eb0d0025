import { join } from 'node:path';
import { LuaScript } from '../redis/lua-script';
import type { RedisClient } from '../redis/redis-connections';
import type { SupervisorState } from './supervisor';
import { SupervisorKeys } from './supervisor-keys';

const REGISTER = new LuaScript(join(__dirname, 'scripts', 'register-master.lua'));
const FORGET = new LuaScript(join(__dirname, 'scripts', 'forget-master.lua'));

/** A master's record lives this long unless its loop renews it: a master that died drops out within 5 s. */
export const MASTER_TTL_MS = 5000;

export type MasterStatus = 'running' | 'paused' | 'terminating';

/** A master as `status --json` lists it. */
export interface MasterState {
  name: string;
  host: string;
  pid: number;
  environment: string;
  status: MasterStatus;
  startedAt: number;
  /** Resident memory of the master process, in bytes. */
  memory: number;
  supervisors: SupervisorState[];
}

/**
 * Where masters say they are alive (Horizon's MasterSupervisorRepository): one record per master with a 5 s TTL
 * (server-side, so clocks of other hosts do not matter), and a set of names to find them by.
 */
export class MasterRegistry {
  private readonly keys: SupervisorKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new SupervisorKeys(prefix);
  }

  async update(state: MasterState): Promise<void> {
    await REGISTER.run(this.redis, [this.keys.masterNames(), this.keys.master(state.name)], [state.name, JSON.stringify(state), MASTER_TTL_MS]);
  }

  async forget(name: string): Promise<void> {
    await FORGET.run(this.redis, [this.keys.masterNames(), this.keys.master(name), this.keys.commands(name)], [name]);
  }

  /** Every live master, by name. Names whose record expired are dropped from the set. */
  async all(): Promise<MasterState[]> {
    const names = (await this.redis.smembers(this.keys.masterNames())).sort();
    if (names.length === 0) return [];
    const records = await Promise.all(names.map((n) => this.redis.get(this.keys.master(n))));
    const live: MasterState[] = [];
    const gone: string[] = [];
    records.forEach((record, i) => {
      const state = record === null ? null : parse(record);
      if (state) live.push(state);
      else gone.push(names[i]);
    });
    if (gone.length > 0) await this.redis.srem(this.keys.masterNames(), ...gone);
    return live;
  }

  async find(name: string): Promise<MasterState | null> {
    const record = await this.redis.get(this.keys.master(name));
    return record === null ? null : parse(record);
  }
}

function parse(text: string): MasterState | null {
  try {
    const value = JSON.parse(text) as MasterState;
    return typeof value?.name === 'string' && Array.isArray(value.supervisors) ? value : null;
  } catch {
    return null;
  }
}
