import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis-connections';
import { queueName } from '../../config/queue-names';
import { JobRecordKeys, jobRecordKeys, monitoringKey, recordedQueueMember, recordedQueuesKey, RecordSettings, trimArgs } from './job-record-keys';

const SCRIPT_DIR = join(__dirname, 'scripts');

/**
 * A queue script with the records functions (records.lua) in front of it, called by SHA as any LuaScript. The
 * functions are shared text, not a second script: a record is written inside the call the queue makes anyway.
 */
export function recordingScript(name: string): LuaScript {
  const path = join(SCRIPT_DIR, `${name}.lua`);
  const source = `${readFileSync(join(SCRIPT_DIR, 'records.lua'), 'utf8')}\n${readFileSync(path, 'utf8')}`;
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    path,
    sha,
    source,
    async run<T>(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
      try {
        return (await client.evalsha(sha, keys.length, ...keys, ...args)) as T;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return (await client.eval(source, keys.length, ...keys, ...args)) as T;
        throw error;
      }
    },
  };
}

/**
 * A job's record as script arguments: id, name, tags (JSON, '' none), flags ('e' encrypted, 's' silenced, 'r'
 * re-queued), pushed at (ms: the time in its UUID v7, or its createdAt).
 */
export type RecordJobArgs = [id: string, name: string, tags: string, flags: string, pushedAt: number | ''];

const NO_RECORD: RecordJobArgs = ['', '', '', '', ''];
/** reserveFlag: small calls trim every this many calls, and at least this often (ms). */
const TRIM_CALLS = 8;
const TRIM_AT_MOST_EVERY_MS = 1000;
const HEAD = /^\{"v":\d+,(?:"attempts":(\d+),)?"uuid":"([^"\\]+)","job":"((?:[^"\\]|\\.)*)"/;

/**
 * What the driver passes its scripts to write records: read from the payload's fixed head (`{"v":N,` optional
 * attempts, uuid, job: the encoder's order), and only when the text holds `"tags":` or `"encrypted":` is the
 * payload parsed, for its tags and whether it is encrypted. Nothing of the payload is decoded in Lua.
 */
export class JobRecordWriter {
  private readonly trims: number[];
  private readonly keysOf = new Map<string, JobRecordKeys>();
  /** Queues this process has put in the recorded-queues set (and copied the monitored tags to). */
  private readonly registered = new Map<string, Promise<void> | true>();
  /** reserveFlag's state: calls with acks since the last that trimmed, when that one was (ms), the most between. */
  private untrimmed = 0;
  private trimmedAt = 0;
  private readonly trimEvery: number;

  constructor(
    private readonly settings: RecordSettings,
    private readonly prefix: string,
    readonly connection: string,
  ) {
    this.trims = trimArgs(settings.trims);
    this.trimEvery = Math.min(TRIM_AT_MOST_EVERY_MS, settings.trims.completed / 10);
  }

  keys(queue: string): JobRecordKeys {
    let k = this.keysOf.get(queue);
    if (!k) this.keysOf.set(queue, (k = jobRecordKeys(this.prefix, queue)));
    return k;
  }

  /** The records config block of push.lua, later.lua and ack.lua: base, connection, queue, four trims. */
  configArgs(queue: string): (string | number)[] {
    return [this.keys(queue).base, this.connection, queueName(queue), ...this.trims];
  }

  /** True when the job may need a record while it waits (tags that may be monitored, or a re-queued failed job). */
  static mayRecordWhileWaiting(args: RecordJobArgs): boolean {
    return args[2] !== '' || args[3].includes('r');
  }

  /**
   * reserve.lua's records flag for a call that acks `acks` jobs: '1' trims the lists the acks were written to, '2'
   * leaves them to a later call (a trim is a read of each list, the larger part of what a call acking one job
   * spends on records). A call acking 8 jobs or more trims (its share of the read is small); smaller ones trim
   * every 8th call, and whenever the last trim is older than a tenth of trim.completed (at most a second). So a
   * list holds entries past their trim for at most that long, and each trim (up to 1000 ids a list) takes off more
   * than the calls since the last one added.
   */
  reserveFlag(acks: number): '1' | '2' {
    if (acks === 0) return '2'; // no record is written: nothing to trim
    const now = Date.now();
    if (acks < TRIM_CALLS && now - this.trimmedAt < this.trimEvery && ++this.untrimmed < TRIM_CALLS) return '2';
    this.untrimmed = 0;
    this.trimmedAt = now;
    return '1';
  }

  /** The four trims (ms) as reserve.lua and send-all.lua take them. */
  trimArgs(): number[] {
    return this.trims;
  }

  jobArgs(payload: string): RecordJobArgs {
    const head = HEAD.exec(payload);
    if (!head) return NO_RECORD;
    const id = head[2];
    const name = head[3].includes('\\') ? (JSON.parse(`"${head[3]}"`) as string) : head[3];
    let tags = '';
    // A payload written with "attempts":0 is a failed job pushed back by a retry (a new job leaves attempts out).
    let flags = head[1] === '0' ? 'r' : '';
    let pushedAt: number | '' = uuidTime(id);
    if (payload.includes('"tags":') || payload.includes('"encrypted":') || payload.includes('"createdAt":')) {
      const parsed = parseObject(payload);
      const list = parsed?.tags;
      if (Array.isArray(list) && list.length) tags = JSON.stringify(list.filter((t): t is string => typeof t === 'string'));
      if (parsed?.encrypted === true) flags += 'e';
      if (typeof parsed?.createdAt === 'number') pushedAt = Math.round(parsed.createdAt * 1000);
    }
    if (this.settings.silenced.has(name)) flags += 's';
    return [id, name, tags, flags, pushedAt];
  }

  /**
   * What the ack of a job that ended passes for its record (R.finished's `info`): its flags ('s' silenced, 'e'
   * encrypted, 'k' it had a record when it was reserved, 'h' fields follow), then when it was reserved (ms). A job
   * that completed usually needs nothing more: the reader takes id, name, tags and times from the payload the ack
   * sends anyway. An encrypted job (its payload is not kept) and a failed one (`failedName`: the name to show when
   * the payload's head cannot be read) add a newline and the record's fields read from the payload's head here.
   */
  finishInfo(queue: string, raw: string, reservedAt: number | undefined, kept: boolean, failedName?: string): string {
    let flags = kept ? 'k' : '';
    const silenced = this.settings.silenced;
    const encrypted = raw.includes('"encrypted":') && parseObject(raw)?.encrypted === true;
    const at = reservedAt === undefined ? '' : String(reservedAt);
    if (!encrypted && failedName === undefined) {
      if (silenced.size > 0) {
        const name = HEAD.exec(raw)?.[3];
        if (name !== undefined && silenced.has(name.includes('\\') ? (JSON.parse(`"${name}"`) as string) : name)) flags += 's';
      }
      return flags + at;
    }
    const [id, name, tags, jobFlags, pushedAt] = this.jobArgs(raw);
    if (jobFlags.includes('s')) flags += 's';
    if (encrypted) flags += 'e';
    if (!id) return flags + at;
    const head =
      `{"id":${JSON.stringify(id)},"name":${JSON.stringify(name || failedName || 'unknown')},"connection":${JSON.stringify(this.connection)},` +
      `"queue":${JSON.stringify(queueName(queue))},"tags":${JSON.stringify(tags)},"encrypted":${encrypted},"pushed_at":${pushedAt === '' ? 0 : pushedAt}`;
    return `${flags}h${at}\n${head}`;
  }

  /** A job's tags as JSON ('' for none): a failed job goes on the failed list of each. */
  tagsOf(raw: string): string {
    return raw.includes('"tags":') ? this.jobArgs(raw)[2] : '';
  }

  /**
   * Puts the queue in the set of queues with records and copies the monitored tags into the queue's own set (the
   * scripts read only their queue's slot), once per queue per process. The first push waits for it while the
   * connection is up (so a job pushed right after monitor() to a queue new to this process is monitored), but never
   * fails with it and never waits for it on a connection that is not ready (a push's own error says what happened
   * to the push); a failed registration is tried again on the next push. Null when there is nothing to wait for.
   * monitor() adds a tag to the global set before it copies it into the recorded queues, and this adds the queue
   * before it reads the tags, so one of the two always sees the other.
   */
  register(client: RedisClient, queue: string): Promise<void> | null {
    const state = this.registered.get(queue);
    if (state === true) return null;
    let work = state;
    if (!work) {
      work = (async () => {
        await client.sadd(recordedQueuesKey(this.prefix), recordedQueueMember(this.connection, queue));
        const tags = await client.smembers(monitoringKey(this.prefix));
        if (tags.length) await client.sadd(this.keys(queue).monitored, ...tags);
      })().then(
        () => {
          this.registered.set(queue, true);
        },
        () => {
          this.registered.delete(queue);
        },
      );
      this.registered.set(queue, work);
    }
    return client.status === 'ready' ? work : null;
  }
}

/** The ms a UUID v7 was made at (its first 48 bits); '' for another kind of id. */
function uuidTime(id: string): number | '' {
  if (id.length !== 36 || id[14] !== '7') return '';
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return Number.isFinite(ms) ? ms : '';
}

interface PayloadFields {
  tags?: unknown;
  encrypted?: unknown;
  createdAt?: unknown;
}

function parseObject(payload: string): PayloadFields | null {
  try {
    const parsed: unknown = JSON.parse(payload);
    return typeof parsed === 'object' && parsed !== null ? (parsed as PayloadFields) : null;
  } catch {
    return null;
  }
}
