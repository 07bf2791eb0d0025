import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createQueueApp, QueueTestApp } from '../../support/queue-app';
import { deletePrefix } from '../../support/test-redis';
import { fixtureJobs } from '../../fixtures/worker-process/fixture-jobs';
import { middlewareFixtureJobs, middlewareLists } from '../../fixtures/worker-process/middleware-fixture-jobs';
import { WorkerProcess, WorkerProcessOptions } from './worker-process';

/** A fresh AES-256 key in the config's 'base64:' form. */
export function newKey(): string {
  return `base64:${randomBytes(32).toString('base64')}`;
}

export interface FixtureEnv {
  /** The worker's current key (QUEUE_KEY). */
  key: string;
  /** Old keys it still decrypts with. */
  previousKeys?: string[];
}

/** Starts a worker process that also loads middleware-fixture-jobs.ts, with the keys it is given. */
export async function startMiddlewareWorker(options: WorkerProcessOptions, env: FixtureEnv): Promise<WorkerProcess> {
  const vars: Record<string, string | undefined> = {
    MIDDLEWARE_FIXTURES: '1',
    QUEUE_KEY: env.key,
    QUEUE_PREVIOUS_KEYS: env.previousKeys?.join(','),
  };
  const worker = new WorkerProcess({ ...options, env: { ...options.env, ...vars } });
  try {
    await worker.ready();
  } catch (error) {
    await worker.kill();
    throw error;
  }
  return worker;
}

/**
 * The sending side: an app in this process with the same jobs and connection settings as the workers, on its own
 * connections. close() deletes the prefix's keys.
 */
export async function createMiddlewareApp(redisUrl: string, prefix: string, key: string): Promise<QueueTestApp> {
  const t = await createQueueApp([...fixtureJobs, ...middlewareFixtureJobs], {
    default: 'redis',
    redis: { queue: { url: redisUrl }, default: { url: redisUrl } },
    connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 90, blockFor: null } },
    failed: { driver: 'redis' },
    prefix,
    key,
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  return {
    ...t,
    redis,
    async close() {
      await t.close();
      try {
        await deletePrefix(redis, prefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** The Redis server's clock in epoch seconds (with microseconds). */
export async function serverSeconds(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) + Number(micros) / 1e6;
}

/** A record list of the fixtures, each line split on `|`. */
export async function records(t: QueueTestApp, list: keyof typeof middlewareLists): Promise<string[][]> {
  return (await t.redis.lrange(middlewareLists[list](t.prefix), 0, -1)).map((line) => line.split('|'));
}

export async function doneCount(t: QueueTestApp): Promise<number> {
  return t.redis.llen(middlewareLists.done(t.prefix));
}

/** A release the ReleaseProbe saw: server times just before and after the job's middleware ran. */
export interface ProbedRelease {
  id: string;
  before: number;
  after: number;
  attempt: number;
  job: string;
  pid: number;
}

export async function probedReleases(t: QueueTestApp): Promise<ProbedRelease[]> {
  return (await records(t, 'released')).map(([id, before, after, attempt, job, pid]) => ({
    id, before: Number(before), after: Number(after), attempt: Number(attempt), job, pid: Number(pid),
  }));
}

/** A job in the queue's `:delayed` set: its uuid, attempts so far and score (epoch seconds it becomes due). */
export interface DelayedJob {
  id: string;
  attempts: number;
  score: number;
}

export async function delayedJobs(t: QueueTestApp, queue = 'default'): Promise<DelayedJob[]> {
  const flat = await t.redis.zrange(`${t.prefix}queues:{${queue}}:delayed`, 0, '-1', 'WITHSCORES');
  const out: DelayedJob[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const payload = JSON.parse(flat[i]) as { uuid: string; attempts?: number };
    out.push({ id: payload.uuid, attempts: payload.attempts ?? 0, score: Number(flat[i + 1]) });
  }
  return out;
}
