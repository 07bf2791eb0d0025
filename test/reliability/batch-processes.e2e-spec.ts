import { job, QueueModuleOptions } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { heldJobs } from './support/fixture-app';
import { WorkerProcess } from './support/worker-process';
import { BatchCallbackJob, BatchMemberJob, batchFixtureJobs, batchFixtureKeys } from '../fixtures/worker-process/batch-fixture-jobs';

const JOBS = 1000;
const WORKERS = 4;
const CONCURRENCY = 20;
/** In the failing variant every FAIL_EVERY-th job throws on both of its 2 tries: 5 % fail for good. */
const FAIL_EVERY = 20;

type BatchStore = Pick<QueueModuleOptions, 'batching' | 'databases'>;

interface Outcome {
  t: QueueTestApp;
  batchId: string;
  workers: WorkerProcess[];
  /** index → runs of that batch job. */
  runs: Map<number, number>;
  /** worker pid → batch job runs it made. */
  pids: Map<number, number>;
  /** `kind|batchId|cause` of each callback that ran. */
  callbacks: string[];
  ms: number;
}

/**
 * Forks the workers (each with `concurrency: 20`, the batch store given by BATCH_STORE), dispatches one batch of
 * 1,000 jobs from this process, waits until its `finally` has run, then stops the workers gracefully. When they
 * have exited nothing more can run, so what the Redis records say then is final.
 */
async function runBatchAcrossWorkers(store: BatchStore, label: string, failing: (index: number) => boolean, allowFailures: boolean): Promise<Outcome> {
  const url = testRedisUrl();
  const prefix = uniquePrefix(label);
  const t = await createQueueApp(batchFixtureJobs, {
    default: 'redis',
    connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 90, blockFor: null } },
    prefix,
    ...store,
  });
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        new WorkerProcess({ redisUrl: url, prefix, worker: { concurrency: CONCURRENCY, sleep: 0.05, tries: 1 }, env: { BATCH_STORE: JSON.stringify(store) } }),
      );
    }
    await Promise.all(workers.map((w) => w.ready()));

    const started = Date.now();
    let pending = t.bus
      .batch(Array.from({ length: JOBS }, (_, index) => job(BatchMemberJob, { index, fail: failing(index) })))
      .name(`${JOBS} across ${WORKERS} processes`)
      .then(job(BatchCallbackJob, { kind: 'then' }))
      .catch(job(BatchCallbackJob, { kind: 'catch' }))
      .finally(job(BatchCallbackJob, { kind: 'finally' }));
    if (allowFailures) pending = pending.allowFailures();
    const batch = await pending.dispatch();

    const callbacksKey = batchFixtureKeys.callbacks(prefix);
    try {
      await waitUntil(async () => (await t.redis.lrange(callbacksKey, 0, -1)).some((c) => c.startsWith('finally|')), 'the batch to run its finally callback', 25000);
    } catch (error) {
      const b = await t.bus.findBatch(batch.id);
      const counts = b && `total ${b.totalJobs}, pending ${b.pendingJobs}, failed ${b.failedJobs}`;
      throw new Error(`${(error as Error).message}; batch: ${counts}; queue: ${JSON.stringify(await heldJobs(t))}`);
    }
    const ms = Date.now() - started;
    await waitUntil(async () => {
      const held = await heldJobs(t);
      return held.ready + held.delayed + held.reserved === 0;
    }, 'the queue to be empty', 10000);
    for (const w of workers) w.signal('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.waitForExit()));
    expect(exits).toEqual(workers.map(() => ({ code: 0, signal: null })));

    const [runs, pids, callbacks] = await Promise.all([
      t.redis.hgetall(batchFixtureKeys.runs(prefix)),
      t.redis.hgetall(batchFixtureKeys.pids(prefix)),
      t.redis.lrange(callbacksKey, 0, -1),
    ]);
    const toMap = (hash: Record<string, string>) => new Map(Object.entries(hash).map(([k, v]) => [Number(k), Number(v)]));
    return { t, batchId: batch.id, workers, runs: toMap(runs), pids: toMap(pids), callbacks, ms };
  } catch (error) {
    await Promise.all(workers.map((w) => w.kill()));
    await t.close();
    throw error;
  }
}

function count(callbacks: string[], kind: string): number {
  return callbacks.filter((c) => c.startsWith(`${kind}|`)).length;
}

function report(what: string, o: Outcome): void {
  const perWorker = o.workers.map((w) => o.pids.get(w.pid) ?? 0).join('/');
  process.stdout.write(`batch across processes (${what}): ${JOBS} jobs, ${WORKERS} workers x ${CONCURRENCY}, finally after ${o.ms} ms; runs per worker ${perWorker}\n`);
}

interface StoreCase {
  name: string;
  label: string;
  /** The batch store's config; a database it needs is made here and dropped after the test. */
  make(): Promise<{ store: BatchStore; database?: TestDatabase }>;
}

const stores: StoreCase[] = [
  { name: 'the Redis batch store', label: 'batch-procs-redis', make: async () => ({ store: {} }) },
  {
    name: 'the database batch store on PostgreSQL',
    label: 'batch-procs-pgsql',
    make: async () => {
      const database = await createTestDatabase('pgsql');
      return { database, store: { batching: { driver: 'database', database: 'batches' }, databases: { batches: database.options } } };
    },
  },
];

describe.each(stores)(`a ${JOBS}-job batch run by ${WORKERS} worker processes at concurrency ${CONCURRENCY}, with $name`, ({ name, label, make }) => {
  let outcome: Outcome | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    if (outcome) {
      await Promise.all(outcome.workers.map((w) => w.kill()));
      await outcome.t.close();
    }
    await database?.drop();
    outcome = undefined;
    database = undefined;
  });

  async function run(failing: (index: number) => boolean, allowFailures: boolean): Promise<Outcome> {
    const made = await make();
    database = made.database;
    outcome = await runBatchAcrossWorkers(made.store, label, failing, allowFailures);
    return outcome;
  }

  it('has exact counts, runs every job exactly once across all 4 processes, and fires then and finally exactly once', async () => {
    const o = await run(() => false, false);
    report(name, o);

    expect(o.runs.size).toBe(JOBS);
    expect([...o.runs.values()].every((n) => n === 1)).toBe(true);
    expect([...o.pids.keys()].sort()).toEqual(o.workers.map((w) => w.pid).sort());
    expect([...o.pids.values()].reduce((a, b) => a + b, 0)).toBe(JOBS);

    const batch = await o.t.bus.findBatch(o.batchId);
    expect(batch && { total: batch.totalJobs, pending: batch.pendingJobs, failed: batch.failedJobs, ids: batch.failedJobIds }).toEqual({
      total: JOBS,
      pending: 0,
      failed: 0,
      ids: [],
    });
    expect(batch?.finished()).toBe(true);
    expect(batch?.cancelled()).toBe(false);
    expect(batch?.progress()).toBe(100);
    expect(o.callbacks.sort()).toEqual([`finally|${o.batchId}|`, `then|${o.batchId}|`]);
  }, 60000);

  it('with allowFailures and 5% of jobs failing for good: exact failedJobs, catch and finally each exactly once, then never', async () => {
    const failing = (index: number) => index % FAIL_EVERY === 7;
    const failures = JOBS / FAIL_EVERY;
    const o = await run(failing, true);
    report(`${name}, allowFailures`, o);

    // Each job ran: the succeeding ones once, the failing ones on both of their 2 tries.
    expect(o.runs.size).toBe(JOBS);
    expect([...o.runs].filter(([index, n]) => n !== (failing(index) ? 2 : 1))).toEqual([]);
    expect([...o.pids.values()].reduce((a, b) => a + b, 0)).toBe(JOBS + failures);

    const batch = await o.t.bus.findBatch(o.batchId);
    expect(batch && { total: batch.totalJobs, pending: batch.pendingJobs, failed: batch.failedJobs }).toEqual({
      total: JOBS,
      pending: failures, // a failed job stays pending (as Laravel), so the batch never finishes and then never runs
      failed: failures,
    });
    expect(batch?.finished()).toBe(false);
    expect(batch?.cancelled()).toBe(false);
    expect(batch?.hasFailures()).toBe(true);
    expect(batch?.progress()).toBe(95);

    const failedStore = await o.t.failed.all();
    expect(failedStore).toHaveLength(failures);
    expect(new Set(batch?.failedJobIds)).toEqual(new Set(failedStore.map((f) => f.id)));

    expect(count(o.callbacks, 'then')).toBe(0);
    expect(count(o.callbacks, 'catch')).toBe(1);
    expect(count(o.callbacks, 'finally')).toBe(1);
    expect(o.callbacks.find((c) => c.startsWith('catch|'))).toMatch(new RegExp(`^catch\\|${o.batchId}\\|batch member \\d+ fails$`));
  }, 60000);
});
