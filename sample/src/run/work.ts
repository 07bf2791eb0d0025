import type { INestApplicationContext } from '@nestjs/common';
import { Worker, WorkerOptions } from '../../../lib';
import { WORKER_QUEUES } from '../config/queue.config';
import { QueueInspector } from './queue-inspector';

export interface WorkResult {
  rounds: number;
  seconds: number;
}

/** Every queue the sample's workers serve. */
export function allWorkerQueues(): string[] {
  return Object.values(WORKER_QUEUES).flatMap((list) => list.split(','));
}

/**
 * Works every queue of the sample until nothing is left to do soon: one worker per connection, as
 * `queue:work <connection> --queue=... --stop-when-empty`, run again whenever a released job becomes due within
 * `horizonSeconds`. Jobs released for longer stay in Redis; the summary shows them with their delay.
 */
export interface WorkOptions {
  /** Released jobs due within this many seconds are waited for (default 5). */
  horizonSeconds?: number;
  /** Give up waiting for released jobs after this many seconds in all (default 45). */
  maxSeconds?: number;
  /** More worker options, e.g. `{ memory: 0 }` where the process holds more than this app (a test runner). */
  worker?: Omit<WorkerOptions, 'connection' | 'queue' | 'stopWhenEmpty'>;
}

export async function workUntilSettled(app: INestApplicationContext, options: WorkOptions = {}): Promise<WorkResult> {
  const horizon = options.horizonSeconds ?? 5;
  const deadline = Date.now() + (options.maxSeconds ?? 45) * 1000;
  const worker = app.get(Worker);
  const inspector = app.get(QueueInspector);
  const started = Date.now();
  let rounds = 0;
  for (;;) {
    rounds++;
    const reasons = await Promise.all(
      Object.entries(WORKER_QUEUES).map(([connection, queue]) =>
        worker.run({ sleep: 0, tries: 1, ...options.worker, connection, queue, stopWhenEmpty: true }),
      ),
    );
    const early = reasons.find((reason) => reason !== 'empty');
    if (early) throw new Error(`A worker stopped before its queues were empty (reason: ${early}); the run is incomplete.`);
    const next = (await inspector.delayed(allWorkerQueues())).find((j) => j.availableIn <= horizon);
    if (!next || Date.now() + next.availableIn * 1000 > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(next.availableIn * 1000) + 50));
  }
  return { rounds, seconds: (Date.now() - started) / 1000 };
}
