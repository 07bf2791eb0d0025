import { join } from 'node:path';
import { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis-connections';
import type { QueueKeys } from './queue-keys';
import { sendScript } from './script-sender';

const SCRIPTS = {
  sendAll: new LuaScript(join(__dirname, 'scripts', 'send-all.lua')),
  unsendAll: new LuaScript(join(__dirname, 'scripts', 'unsend-all.lua')),
};

const RELEASE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** One job of a dispatchMany call, as the driver sends it. */
export interface OutgoingJob {
  queue: string;
  payload: string;
  /** The job's id: the value of its unique lock. */
  uuid: string;
  /** Seconds; undefined = ready now. Zero or less = due already (ordered by due time, as Laravel's delayed set). */
  delay?: number;
  /** A unique job's lock: taken in the same step, and the job not sent when it is held. */
  unique?: { key: string; seconds?: number };
}

/** The Redis driver's all-or-nothing sending of a dispatchMany call (send-all.lua, unsend-all.lua). */
export class BulkSender {
  constructor(
    /** The client dispatches write through (the server's DispatchWriter's, so a WAIT follows on the same connection). */
    private readonly clientOf: () => RedisClient,
    private readonly cluster: boolean,
    private readonly keys: (queue: string) => QueueKeys,
  ) {}

  /**
   * Sends the jobs of one dispatchMany call so that all are queued or none is (one script call; on a cluster one
   * per queue, the others taken back when one fails). Resolves to one flag per job: false when its unique lock
   * was held.
   */
  async sendAll(jobs: readonly OutgoingJob[]): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    if (this.cluster) return this.sendAllOnCluster(jobs);
    const { keys, args } = this.sendArgs(jobs);
    const flags = await sendScript<number[]>(this.clientOf(), SCRIPTS.sendAll, keys, args);
    return flags.map((f) => f === 1);
  }

  /** Takes back jobs sendAll sent (`sent` its flags); resolves to how many could not be found (already taken). */
  async unsendAll(jobs: readonly OutgoingJob[], sent: readonly boolean[]): Promise<number> {
    if (jobs.length === 0) return 0;
    if (this.cluster) {
      let missing = 0;
      for (const [, group] of this.byQueue(jobs, sent)) missing += await this.unsendGroup(group.jobs, group.sent);
      await this.releaseLocks(jobs.filter((job, i) => sent[i] && job.unique));
      return missing;
    }
    return this.unsendGroup(jobs, sent);
  }

  /** One unsend-all call; on a cluster without the locks (other slots), which releaseLocks frees. */
  private async unsendGroup(jobs: readonly OutgoingJob[], sent: readonly boolean[]): Promise<number> {
    const { keys, args } = this.sendArgs(jobs, sent, !this.cluster);
    return sendScript<number>(this.clientOf(), SCRIPTS.unsendAll, keys, args);
  }

  private async releaseLocks(jobs: readonly OutgoingJob[]): Promise<void> {
    for (const job of jobs) {
      if (job.unique) await this.clientOf().eval(RELEASE_IF_OWNER, 1, job.unique.key, job.uuid).catch(() => undefined);
    }
  }

  /** KEYS and ARGV of send-all.lua / unsend-all.lua. */
  private sendArgs(jobs: readonly OutgoingJob[], sent?: readonly boolean[], withLocks = true): { keys: string[]; args: (string | number)[] } {
    const queueIndex = new Map<string, number>();
    const keys: string[] = [];
    for (const job of jobs) {
      if (queueIndex.has(job.queue)) continue;
      const k = this.keys(job.queue);
      keys.push(k.ready, k.delayed, k.notify);
      queueIndex.set(job.queue, queueIndex.size + 1);
    }
    const args: (string | number)[] = [queueIndex.size];
    jobs.forEach((job, i) => {
      let lock = 0;
      if (job.unique && withLocks) {
        keys.push(job.unique.key);
        lock = keys.length;
      }
      const delay = sent && !sent[i] ? '-' : job.delay === undefined ? '' : job.delay;
      args.push(queueIndex.get(job.queue) as number, delay, lock, job.unique?.seconds ? Math.ceil(job.unique.seconds) : 0, job.uuid, job.payload);
    });
    return { keys, args };
  }

  private byQueue(jobs: readonly OutgoingJob[], sent?: readonly boolean[]): Map<string, { jobs: OutgoingJob[]; sent: boolean[] }> {
    const groups = new Map<string, { jobs: OutgoingJob[]; sent: boolean[] }>();
    jobs.forEach((job, i) => {
      let g = groups.get(job.queue);
      if (!g) groups.set(job.queue, (g = { jobs: [], sent: [] }));
      g.jobs.push(job);
      g.sent.push(sent ? sent[i] : true);
    });
    return groups;
  }

  /**
   * A cluster cannot run one script over several slots: unique locks are taken one by one, then each queue's jobs
   * go in one script call; when a step fails, what was sent is taken back and the locks taken are freed.
   */
  private async sendAllOnCluster(jobs: readonly OutgoingJob[]): Promise<boolean[]> {
    const flags = jobs.map(() => true);
    const locked: OutgoingJob[] = [];
    const done: { jobs: OutgoingJob[]; sent: boolean[] }[] = [];
    try {
      for (let i = 0; i < jobs.length; i++) {
        const u = jobs[i].unique;
        if (!u) continue;
        const ok = u.seconds
          ? await this.clientOf().set(u.key, jobs[i].uuid, 'EX', Math.ceil(u.seconds), 'NX')
          : await this.clientOf().set(u.key, jobs[i].uuid, 'NX');
        flags[i] = ok === 'OK';
        if (flags[i]) locked.push(jobs[i]);
      }
      for (const [, group] of this.byQueue(jobs, flags)) {
        const chosen = group.jobs.filter((_, i) => group.sent[i]);
        if (chosen.length === 0) continue;
        const { keys, args } = this.sendArgs(chosen, undefined, false);
        await sendScript<number[]>(this.clientOf(), SCRIPTS.sendAll, keys, args);
        done.push({ jobs: chosen, sent: chosen.map(() => true) });
      }
    } catch (error) {
      for (const group of done) await this.unsendGroup(group.jobs, group.sent).catch(() => undefined);
      await this.releaseLocks(locked);
      throw error;
    }
    return flags;
  }
}
