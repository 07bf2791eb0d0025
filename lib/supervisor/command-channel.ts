import type { RedisClient } from '../redis/redis-connections';
import { SupervisorKeys } from './supervisor-keys';

/** What a master can be told (Horizon's HorizonCommandQueue commands). `supervisor` narrows pause/continue. */
export type MasterCommand =
  | { type: 'pause'; supervisor?: string }
  | { type: 'continue'; supervisor?: string }
  | { type: 'terminate' };

/** Commands for a master that is gone expire with it. */
const COMMAND_TTL_S = 60;

/**
 * The commands channel: one Redis list per master. The CLI pushes, the master takes everything pending on each
 * turn of its loop (about once a second), so a command works from any host that shares the Redis.
 */
export class CommandChannel {
  private readonly keys: SupervisorKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new SupervisorKeys(prefix);
  }

  async send(master: string, command: MasterCommand): Promise<void> {
    const key = this.keys.commands(master);
    await this.redis.multi().rpush(key, JSON.stringify(command)).expire(key, COMMAND_TTL_S).exec();
  }

  async pending(master: string): Promise<MasterCommand[]> {
    const raw = (await this.redis.lpop(this.keys.commands(master), 100)) ?? [];
    const out: MasterCommand[] = [];
    for (const text of raw) {
      try {
        const command = JSON.parse(text) as MasterCommand;
        if (command && ['pause', 'continue', 'terminate'].includes(command.type)) out.push(command);
      } catch {
        // Not ours: ignore.
      }
    }
    return out;
  }
}
