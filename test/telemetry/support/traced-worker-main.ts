/**
 * A worker process with the OpenTelemetry SDK registered, as an app's tracing setup does; every span it ends is
 * sent to the parent over IPC (`{ span }`). Env: REDIS_URL, QUEUE_PREFIX; OTEL_BLOCK_API=1 runs it without
 * `@opentelemetry/api` at all; BATCH_DATABASE (a knex configuration as JSON) keeps batches in that database
 * instead of Redis. `stop` over IPC stops the worker; it prints WORKER_READY once it runs.
 */
import './block-otel-api';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DatabaseOptions, QueueModule, QueueModuleOptions, Worker } from '../../../lib';
import { TRACED_JOBS } from './traced-jobs';
import { tracedConnections } from './traced-worker';
import type { SerializedSpan } from './traced-worker';

function registerSdk(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const sdk = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const core = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  /* eslint-enable @typescript-eslint/no-require-imports */
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter: import('@opentelemetry/sdk-trace').SpanExporter = {
    export(spans, done) {
      for (const s of spans) {
        const span: SerializedSpan = {
          name: s.name,
          kind: s.kind,
          traceId: s.spanContext().traceId,
          spanId: s.spanContext().spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          attributes: s.attributes as SerializedSpan['attributes'],
          status: s.status.code,
          events: s.events.map((e) => e.name),
          links: s.links.map((l) => l.context.spanId),
          linked: s.links.map((l) => ({
            traceId: l.context.traceId, spanId: l.context.spanId, kind: l.attributes?.['messaging.nestjs_queue.link'] as string | undefined,
          })),
          startMs: core.hrTimeToMilliseconds(s.startTime),
          endMs: core.hrTimeToMilliseconds(s.endTime),
          pid: process.pid,
        };
        process.send?.({ span });
      }
      done({ code: core.ExportResultCode.SUCCESS });
    },
    shutdown: async () => undefined,
  };
  api.trace.setGlobalTracerProvider(new sdk.TracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor({ exporter })] }));
}

async function main(): Promise<void> {
  if (process.env.OTEL_BLOCK_API !== '1') registerSdk();
  const url = process.env.REDIS_URL as string;
  const batches: QueueModuleOptions = process.env.BATCH_DATABASE
    ? { databases: { batches: JSON.parse(process.env.BATCH_DATABASE) as DatabaseOptions }, batching: { driver: 'database', database: 'batches' } }
    : {};
  @Module({
    imports: [QueueModule.forRoot({
      default: 'redis', redis: { queue: { url } }, connections: tracedConnections, failed: { driver: 'redis' }, prefix: process.env.QUEUE_PREFIX, ...batches,
    })],
    providers: TRACED_JOBS,
  })
  class TracedWorkerModule {}
  const app = await NestFactory.createApplicationContext(TracedWorkerModule, { logger: ['warn', 'error'] });
  const worker = app.get(Worker);
  process.on('message', (message) => {
    if (message === 'stop') void worker.stop();
  });
  const running = worker.run({ sleep: 0.02, memory: 0 });
  process.stdout.write(`WORKER_READY pid=${process.pid}\n`);
  await running;
  await app.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(70);
});
