import type { Worker } from '../worker/worker';
import type { WorkerOptions, WorkerStopReason } from '../worker/worker-options.interface';
import type { MetricsRecorder } from './metrics-recorder';
import type { WorkerMessage } from './worker-process';

/**
 * The body of one supervised worker process: the same `Worker.run()` as `work`, plus what a supervisor needs.
 * Pause (IPC from the supervisor) stops the loop gracefully after the job in hand and keeps the process (and its
 * booted app) waiting; continue runs the loop again. SIGTERM/SIGINT stop it after the job in hand; a second one
 * exits at once. When the master goes away (the IPC channel closes) the worker stops gracefully too.
 * Resolves with the reason the loop stopped (null when it stopped while paused).
 */
export async function runSupervisedWorker(
  worker: Worker,
  recorder: MetricsRecorder,
  options: WorkerOptions,
  startPaused: boolean,
): Promise<WorkerStopReason | null> {
  let paused = startPaused;
  let stopping = false;
  let wake: () => void = () => undefined;
  let signals = 0;

  const stop = () => {
    stopping = true;
    void worker.stop();
    wake();
  };
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(1);
    stop();
  };
  const onMessage = (message: WorkerMessage) => {
    if (message?.type === 'pause' && !paused) {
      paused = true;
      void worker.stop();
    } else if (message?.type === 'continue' && paused) {
      paused = false;
      wake();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('message', onMessage);
  process.on('disconnect', stop);
  recorder.start();
  process.send?.({ type: 'ready' } satisfies WorkerMessage);

  let reason: WorkerStopReason | null = null;
  try {
    while (!stopping) {
      if (paused) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      reason = await worker.run({ ...options, handleSignals: false });
      // Stopped by pause (or by a stop request): not the end of the process unless it was asked to stop.
      if (reason === 'stopped' && (paused || stopping)) {
        reason = stopping ? 'signal' : null;
        continue;
      }
      break;
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('message', onMessage);
    process.off('disconnect', stop);
    await recorder.stop();
  }
  return reason;
}
