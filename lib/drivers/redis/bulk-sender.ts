import { join } from 'node:path';
import { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis-connections';
import type { QueueKeys } from './queue-keys';
import { queueName } from '../../config/queue-names';
import { sendScript } from './script-sender';
import { JobRecordWriter, recordingScript } from './job-record-writer';

const SCRIPTS = {
  sendAll: recordingScript('send-all'),
  unsendAll: new LuaScript(join(__dirname, 'scripts', 'unsend-all.lua')),
};

const NO_RECORD = ['', '', '', '', ''] as const;

/** Arguments past which a script is loaded (SCRIPT LOAD) before its first call, so a NOSCRIPT never sends them twice. */
const LOAD_FIRST_ABOVE = 1000;

/**
 * Whether a job's payload can need a record while it waits (JobRecordWriter.mayRecordWhileWaiting: tags, or a
 * re-queued job, written with `"attempts":0`): the payload is read for its record only then.
 */
function mayNeedRecord(payload: string): boolean {
  return payload.includes('"tags":') || ZERO_ATTEMPTS.test(payload);
}
const ZERO_ATTEMPTS = /^\{"v":\d+,"attempts":0,/;

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
  /** Clients whose server has had send-all.lua loaded by this sender. */
  private readonly loadedOn = new WeakSet<RedisClient>();

  constructor(
    /** The client dispatches write through (the server's DispatchWriter's, so a WAIT follows on the same connection). */
    private readonly clientOf: () => RedisClient,
    private readonly cluster: boolean,
    private readonly keys: (queue: string) => QueueKeys,
    /** Writes the jobs' records in the same call; null when records are off. */
    private readonly records: JobRecordWriter | null = null,
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
    const client = this.clientOf();
    if (args.length > LOAD_FIRST_ABOVE) await this.loadOnce(client);
    const held = await sendScript<number[]>(client, SCRIPTS.sendAll, keys, args);
    const flags = new Array<boolean>(jobs.length).fill(true);
    for (const position of held) flags[position - 1] = false;
    return flags;
  }

  /**
   * Loads send-all.lua on the client's server before the first large call, so that call is not refused with
   * NOSCRIPT and sent a second time as EVAL. A failed load is left to that fallback.
   */
  private async loadOnce(client: RedisClient): Promise<void> {
    if (this.loadedOn.has(client)) return;
    try {
      await client.script('LOAD', SCRIPTS.sendAll.source);
      this.loadedOn.add(client);
    } catch {
      // EVALSHA falls back to EVAL.
    }
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

  /**
   * KEYS and ARGV of send-all.lua / unsend-all.lua: runs of jobs ready now with no lock and no record go as one
   * segment ('p', queue, n, the payloads: one argument a job), any other job as 'j' and its 10 fields.
   */
  private sendArgs(jobs: readonly OutgoingJob[], sent?: readonly boolean[], withLocks = true): { keys: string[]; args: string[] } {
    const queueIndex = new Map<string, string>();
    const keys: string[] = [];
    for (const job of jobs) {
      if (queueIndex.has(job.queue)) continue;
      const k = this.keys(job.queue);
      keys.push(k.ready, k.delayed, k.notify);
      queueIndex.set(job.queue, String(queueIndex.size + 1));
    }
    const records = this.records;
    const args: string[] = [String(queueIndex.size), records ? '1' : '0', ...(records ? records.trimArgs().map(String) : ['0', '0', '0', '0']), records ? records.connection : ''];
    for (const queue of queueIndex.keys()) args.push(queueName(queue));
    /** Where the count of the open 'p' segment is, and its queue; -1 when none is open. */
    let countAt = -1;
    let segmentQueue = '';
    const close = () => {
      if (countAt >= 0) args[countAt] = String(args.length - countAt - 1);
      countAt = -1;
    };
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      const record = records && mayNeedRecord(job.payload) ? records.jobArgs(job.payload) : null;
      const plain = job.delay === undefined && !job.unique && (!sent || sent[i]) && (!record || !JobRecordWriter.mayRecordWhileWaiting(record));
      if (plain) {
        if (countAt < 0 || segmentQueue !== job.queue) {
          close();
          args.push('p', queueIndex.get(job.queue) as string, '');
          countAt = args.length - 1;
          segmentQueue = job.queue;
        }
        args.push(job.payload);
        continue;
      }
      close();
      let lock = '0';
      if (job.unique && withLocks) {
        keys.push(job.unique.key);
        lock = String(keys.length);
      }
      const delay = sent && !sent[i] ? '-' : job.delay === undefined ? '' : String(job.delay);
      const [, name, tags, flags, pushedAt] = record ?? NO_RECORD;
      const ttl = job.unique?.seconds ? String(Math.ceil(job.unique.seconds)) : '0';
      args.push('j', queueIndex.get(job.queue) as string, delay, lock, ttl, job.uuid, job.payload, name, tags, flags, String(pushedAt));
    }
    close();
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
