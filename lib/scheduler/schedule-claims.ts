import { join } from 'node:path';
import { LuaScript } from '../redis/lua-script';
import type { RedisClient } from '../redis/redis-connections';

const script = (name: string) => new LuaScript(join(__dirname, 'scripts', `${name}.lua`));
const CLAIM = script('schedule-claim');
const COMPLETE = script('schedule-complete');
const RELEASE = script('schedule-release');

/** What a claim attempt found: ours now, another scheduler's (in flight), or already dispatched. */
export type ClaimOutcome = 'claimed' | 'held' | 'done';

/**
 * One Redis key per task and due time, `<prefix>schedule:<task id>:<due epoch seconds>`, taken with SET NX:
 * the scheduler that takes it dispatches that due time; every other one sees it held or done. A claim in flight
 * has a lease; once dispatched, the key says `done` for as long as any scheduler might still ask about it.
 * Each operation is one key and one round trip.
 */
export class ScheduleClaims {
  constructor(
    private readonly client: () => RedisClient,
    private readonly prefix: string,
    /** This process's claims carry this value, so only it can complete or release them. */
    private readonly owner: string,
  ) {}

  key(taskId: string, due: Date): string {
    return `${this.prefix}schedule:${taskId}:${Math.floor(due.getTime() / 1000)}`;
  }

  async claim(key: string, leaseMs: number): Promise<ClaimOutcome> {
    const found = await CLAIM.run<string | null>(this.client(), [key], [this.claimValue(), leaseMs]);
    if (found === 'claimed') return 'claimed';
    // null: the key expired between the SET and the GET cannot happen inside one script; treat as held to re-ask.
    return found !== null && found.startsWith('done:') ? 'done' : 'held';
  }

  /** Marks our claim dispatched; false when the lease had run out (another scheduler may dispatch it too). */
  async complete(key: string, jobId: string | null, rememberMs: number): Promise<boolean> {
    const done = `done:${this.owner}:${jobId ?? 'unique-lock-held'}`;
    return (await COMPLETE.run<number>(this.client(), [key], [this.claimValue(), done, rememberMs])) === 1;
  }

  /** Gives our claim back, so this or another scheduler can dispatch the due time again. */
  async release(key: string): Promise<void> {
    await RELEASE.run<number>(this.client(), [key], [this.claimValue()]);
  }

  private claimValue(): string {
    return `claim:${this.owner}`;
  }
}
