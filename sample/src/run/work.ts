import type { INestApplicationContext } from '@nestjs/common';
import { Worker } from '../../../lib';
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
export async function workUntilSettled(app: INestApplicationContext, options: { horizonSeconds?: number; maxSeconds?: number } = {}): Promise<WorkResult> {
  const horizon = options.horizonSeconds ?? 5;
  const deadline = Date.now() + (options.maxSeconds ?? 45) * 1000;
  const worker = app.get(Worker);
  const inspector = app.get(QueueInspector);
  const started = Date.now();
  let rounds = 0;
  for (;;) {
    rounds++;
    await Promise.all(
      Object.entries(WORKER_QUEUES).map(([connection, queue]) => worker.run({ connection, queue, stopWhenEmpty: true, sleep: 0, tries: 1 })),
    );
    const next = (await inspector.delayed(allWorkerQueues())).find((j) => j.availableIn <= horizon);
    if (!next || Date.now() + next.availableIn * 1000 > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(next.availableIn * 1000) + 50));
  }
  return { rounds, seconds: (Date.now() - started) / 1000 };
}
