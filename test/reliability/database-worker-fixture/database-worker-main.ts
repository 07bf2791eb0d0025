/**
 * A worker process on a database queue connection, for the database reliability tests:
 * `node -r test/fixtures/worker-process/register.js database-worker-main.ts`, configured by the environment:
 * - DB_OPTIONS: JSON of the knex configuration of the `test` database (required)
 * - REDIS_URL: the suite's Redis (the module still makes Redis clients for stores the database driver does not replace)
 * - RETRY_AFTER seconds (default 90), BLOCK_FOR seconds (default: the driver's), WORKER_OPTIONS: JSON of Worker.run() options
 * Jobs print `ran <uuid> attempt=<n>` (`record`), `processing <uuid> attempt=<n>` then `done <uuid>` once the gate file
 * exists (`gated`); `blocking` prints `started <uuid> attempt=<n> pid=<pid> at=<ms>`, holds the event loop (printing `running <uuid>
 * at=<ms>` every 50 ms), then
 * `done <uuid>`. Prints `WORKER_READY pid=…` once it runs, and exits with Worker.exitCode(reason).
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Job, JobContext, QueueModule, Worker, WorkerOptions } from '../../../lib';

@Job({ name: 'record' })
class RecordJob {
  async handle(data: { ms?: number }, job: JobContext): Promise<void> {
    if (data.ms) await new Promise((resolve) => setTimeout(resolve, data.ms));
    process.stdout.write(`ran ${job.id} attempt=${job.attempts}\n`);
  }
}

@Job({ name: 'gated', tries: 5, timeout: 120 })
class GatedJob {
  async handle(data: { gate: string }, job: JobContext): Promise<void> {
    process.stdout.write(`processing ${job.id} attempt=${job.attempts}\n`);
    while (!existsSync(data.gate)) await new Promise((resolve) => setTimeout(resolve, 20));
    process.stdout.write(`done ${job.id}\n`);
  }
}

/** Blocks the event loop for `ms` on attempts up to `blockingAttempts` (tries 2, timeout 1 s): a CPU-bound handler. */
@Job({ name: 'blocking', tries: 2, timeout: 1 })
class BlockingJob {
  handle(data: { ms: number; blockingAttempts?: number }, job: JobContext): void {
    process.stdout.write(`started ${job.id} attempt=${job.attempts} pid=${process.pid} at=${Date.now()}\n`);
    if (job.attempts <= (data.blockingAttempts ?? Infinity)) {
      const end = Date.now() + data.ms;
      let said = 0;
      for (let now = Date.now(); now < end; now = Date.now()) {
        // busy: no timer, no I/O, no signal runs in this thread meanwhile; a write to a pipe is synchronous, so the
        // test sees until when the handler was still running.
        if (now - said >= 50) {
          said = now;
          process.stdout.write(`running ${job.id} at=${now}\n`);
        }
      }
    }
    process.stdout.write(`done ${job.id}\n`);
  }
}

async function main(): Promise<void> {
  const database = JSON.parse(process.env.DB_OPTIONS ?? '') as { client: string; connection: string | Record<string, unknown> };
  const url = process.env.REDIS_URL ?? '';
  const retryAfter = Number(process.env.RETRY_AFTER ?? 90);
  const blockFor = process.env.BLOCK_FOR ? Number(process.env.BLOCK_FOR) : null;
  const options = JSON.parse(process.env.WORKER_OPTIONS ?? '{}') as WorkerOptions;

  @Module({
    imports: [
      QueueModule.forRoot({
        default: 'db',
        redis: { queue: { url }, default: { url } },
        databases: { test: database },
        connections: { db: { driver: 'database', connection: 'test', retryAfter, blockFor } },
        failed: { driver: 'database', database: 'test' },
      }),
    ],
    providers: [RecordJob, GatedJob, BlockingJob],
  })
  class DatabaseWorkerModule {}

  const app = await NestFactory.createApplicationContext(DatabaseWorkerModule, { logger: ['log', 'warn', 'error'] });
  const worker = app.get(Worker);
  const running = worker.run({ ...options, handleSignals: true });
  process.stdout.write(`WORKER_READY pid=${process.pid}\n`);
  const reason = await running;
  const code = Worker.exitCode(reason);
  process.stdout.write(`WORKER_EXIT reason=${reason} code=${code}\n`);
  await Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.exit(code);
}

main().catch((error: unknown) => {
  new Logger('database-worker-fixture').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(70);
});
