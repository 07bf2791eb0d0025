import Redis from 'ioredis';
import type { QueueModuleOptions } from '../../../lib';
import { createQueueApp, QueueTestApp } from '../../support/queue-app';
import { deletePrefix } from '../../support/test-redis';
import { fixtureJobs, fixtureLists } from '../../fixtures/worker-process/fixture-jobs';

/**
 * The sending side of a reliability test: an app in the test process with the worker fixture's jobs and connection
 * settings, on the given Redis and prefix, so what it dispatches the forked workers take. Its `redis` (for
 * inspecting keys) is a client on that same Redis; close() deletes the prefix's keys there.
 */
export async function createFixtureApp(redisUrl: string, prefix: string, retryAfter = 90, extra: QueueModuleOptions = {}): Promise<QueueTestApp> {
  const t = await createQueueApp(fixtureJobs, {
    default: 'redis',
    redis: { queue: { url: redisUrl }, default: { url: redisUrl } },
    connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter, blockFor: null } },
    failed: { driver: 'redis' },
    prefix,
    ...extra,
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

/** What the fixture jobs recorded: every run that began (`uuid|pid|attempt`) and every completion (uuid). */
export async function fixtureRecords(t: QueueTestApp): Promise<{ started: { id: string; pid: number; attempt: number }[]; done: string[] }> {
  const [started, done] = await Promise.all([
    t.redis.lrange(fixtureLists.started(t.prefix), 0, -1),
    t.redis.lrange(fixtureLists.done(t.prefix), 0, -1),
  ]);
  return {
    started: started.map((line) => {
      const [id, pid, attempt] = line.split('|');
      return { id, pid: Number(pid), attempt: Number(attempt) };
    }),
    done,
  };
}

/** When each recorded run started (ms, the worker process's Date.now()), in the order of fixtureRecords' started. */
export async function fixtureStartTimes(t: QueueTestApp): Promise<number[]> {
  const started = await t.redis.lrange(fixtureLists.started(t.prefix), 0, -1);
  return started.map((line) => Number(line.split('|')[3]));
}

/** Jobs held by a queue, key by key: ready list, delayed and reserved sets. */
export async function heldJobs(t: QueueTestApp, queue = 'default'): Promise<{ ready: number; delayed: number; reserved: number }> {
  const base = `${t.prefix}queues:{${queue}}`;
  const [ready, delayed, reserved] = await Promise.all([t.redis.llen(base), t.redis.zcard(`${base}:delayed`), t.redis.zcard(`${base}:reserved`)]);
  return { ready, delayed, reserved };
}

/** A job in a queue's reserved set: its uuid, attempts so far and score (epoch seconds its reservation lapses). */
export interface Reservation {
  id: string;
  attempts: number;
  until: number;
}

export async function reservations(t: QueueTestApp, queue = 'default'): Promise<Reservation[]> {
  const flat = await t.redis.zrange(`${t.prefix}queues:{${queue}}:reserved`, 0, '-1', 'WITHSCORES');
  const out: Reservation[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const payload = JSON.parse(flat[i]) as { uuid: string; attempts?: number };
    out.push({ id: payload.uuid, attempts: payload.attempts ?? 0, until: Number(flat[i + 1]) });
  }
  return out;
}
