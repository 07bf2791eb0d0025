import { SpanKind, trace } from '@opentelemetry/api';
import { job, QueueModuleOptions } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { testRedisUrl } from '../support/test-redis';
import { registerOtel, TestOtel } from './support/otel-sdk';
import { BatchCatchJob, BatchFinallyJob, BatchThenJob, TRACED_JOBS, TracedJob } from './support/traced-jobs';
import { SerializedSpan, TracedWorker, tracedConnections } from './support/traced-worker';

const JOB_NAME = 'messaging.nestjs_queue.job.name';
const OUTCOME = 'messaging.nestjs_queue.job.outcome';

/** The batch stores the callbacks' links are kept in: Redis, and each SQL database the batch repository suite runs on. */
const STORES: ('redis' | SqlKind)[] = ['redis', 'sqlite', 'pgsql', 'mysql'];

describe("telemetry: a batch's callbacks link to the process spans of its jobs", () => {
  let otel: TestOtel;
  beforeAll(() => {
    otel = registerOtel({ metrics: false });
  });
  afterAll(() => otel.shutdown());

  describe.each(STORES)('batches kept in %s', (store) => {
    let database: TestDatabase | null = null;
    let t: QueueTestApp;
    let workers: TracedWorker[] = [];
    beforeAll(async () => {
      if (store !== 'redis') database = await createTestDatabase(store);
    });
    afterAll(async () => {
      await database?.drop();
    });
    beforeEach(async () => {
      otel.reset();
      const batches: QueueModuleOptions = database
        ? { databases: { batches: database.options }, batching: { driver: 'database', database: 'batches' } }
        : {};
      t = await createQueueApp(TRACED_JOBS, { default: 'redis', connections: tracedConnections, ...batches });
    });
    afterEach(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      workers = [];
      await t.close();
    });

    /** Two forked worker processes with the SDK registered, keeping batches where this app does. */
    const startWorkers = async () => {
      const env: Record<string, string> = database ? { BATCH_DATABASE: JSON.stringify(database.options) } : {};
      workers = [new TracedWorker(testRedisUrl(), t.prefix, env), new TracedWorker(testRedisUrl(), t.prefix, env)];
      await Promise.all(workers.map((w) => w.ready()));
    };
    const spans = (): SerializedSpan[] => workers.flatMap((w) => w.spans);
    const processed = (name: string) => spans().filter((s) => s.kind === SpanKind.CONSUMER && s.attributes[JOB_NAME] === name);
    const ran = (name: string) => () => processed(name).length > 0;
    /** The process spans that ended the batch's jobs: each job's last attempt (earlier ones were released). */
    const endingSpans = () => processed('otel-traced').filter((s) => s.attributes[OUTCOME] === 'succeeded' || s.attributes[OUTCOME] === 'failed');
    const linksOf = (s: SerializedSpan) => s.linked.map((l) => `${l.traceId}-${l.spanId}`).sort();
    const contextsOf = (list: SerializedSpan[]) => list.map((s) => `${s.traceId}-${s.spanId}`).sort();

    const dispatchFromRequest = <T>(send: () => Promise<T>) =>
      trace.getTracer('app').startActiveSpan('POST /imports', { kind: SpanKind.SERVER }, async (span) => {
        try {
          return await send();
        } finally {
          span.end();
        }
      });

    it('2 jobs succeed (one on its retry) and 1 fails for good: finally links to exactly the spans that ended them, catch to those ended by then', async () => {
      await startWorkers();
      await dispatchFromRequest(() =>
        t.bus
          .batch([job(TracedJob, {}), job(TracedJob, { failTimes: 1 }), job(TracedJob, { failTimes: 3 })])
          .allowFailures()
          .then(job(BatchThenJob, {}))
          .catch(job(BatchCatchJob, {}))
          .finally(job(BatchFinallyJob, {}))
          .dispatch(),
      );
      const w = workers[0];
      await w.until(ran('otel-batch-finally'), 'the finally callback');
      await w.until(ran('otel-batch-catch'), 'the catch callback');

      // 1 + 2 + 3 attempts, in either worker; a job's span of its last attempt is the one its batch kept.
      expect(processed('otel-traced')).toHaveLength(6);
      const ending = endingSpans();
      expect(ending.map((s) => s.attributes[OUTCOME]).sort()).toEqual(['failed', 'succeeded', 'succeeded']);
      const failed = ending.find((s) => s.attributes[OUTCOME] === 'failed') as SerializedSpan;

      const [fin] = processed('otel-batch-finally');
      expect(processed('otel-batch-finally')).toHaveLength(1);
      expect(linksOf(fin)).toEqual(contextsOf(ending));
      expect(fin.linked.every((l) => l.kind === 'batch_job')).toBe(true);

      // catch was sent as the job failed for good: its span and those of the jobs that had ended before it.
      const [caught] = processed('otel-batch-catch');
      expect(linksOf(caught)).toContain(`${failed.traceId}-${failed.spanId}`);
      for (const link of linksOf(caught)) expect(contextsOf(ending)).toContain(link);
      expect(caught.linked.every((l) => l.kind === 'batch_job')).toBe(true);

      // A failed job stays pending (as in Laravel): the batch never finished, so `then` was never sent.
      expect(processed('otel-batch-then')).toEqual([]);
      // The batch's jobs have no links of their own.
      for (const s of processed('otel-traced')) expect(s.linked).toEqual([]);
    });

    it("every job succeeds (one on its retry): then and finally link to exactly the spans that ended the 4 jobs", async () => {
      await startWorkers();
      await dispatchFromRequest(() =>
        t.bus
          .batch([job(TracedJob, {}), job(TracedJob, {}), job(TracedJob, {}), job(TracedJob, { failTimes: 1 })])
          .then(job(BatchThenJob, {}))
          .finally(job(BatchFinallyJob, {}))
          .dispatch(),
      );
      const w = workers[0];
      await w.until(ran('otel-batch-then'), 'the then callback');
      await w.until(ran('otel-batch-finally'), 'the finally callback');

      const ending = endingSpans();
      expect(ending).toHaveLength(4);
      for (const name of ['otel-batch-then', 'otel-batch-finally']) {
        const callbacks = processed(name);
        expect(callbacks).toHaveLength(1);
        expect(linksOf(callbacks[0])).toEqual(contextsOf(ending));
        // Each link is in the batch's trace; the callback continues it as a child of its own send span.
        expect(new Set([callbacks[0].traceId, ...callbacks[0].linked.map((l) => l.traceId)]).size).toBe(1);
      }
    });
  });
});
