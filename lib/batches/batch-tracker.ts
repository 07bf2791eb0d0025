import { BatchNotFoundError } from '../errors/batch.errors';
import type { BatchRecord, BatchRepository, UpdatedBatchJobCounts } from './batch-repository.interface';

/**
 * What the tracker asks the Bus to dispatch:
 * - `then`, `catch`, `finally`: the batch's callbacks (`catch` comes with the job's error);
 * - `chain`: the rest of the chain the batch stands in (`options.chain`), when every job has run and the
 *   batch was not cancelled (Laravel attaches it to `finally` the same way);
 * - `chainCatch`: the catch of that chain (`options.chainCatch`), on the first failure of a batch that does
 *   not allow failures (as Laravel's chained batch does), with the job's error.
 */
export type BatchCallbackKind = 'then' | 'catch' | 'finally' | 'chain' | 'chainCatch';

export type DispatchBatchCallbacks = (batch: BatchRecord, which: BatchCallbackKind, error?: Error) => Promise<void>;

/**
 * Counts a batch's jobs as they succeed or fail for good, and sets off the batch's callbacks, as Laravel's
 * `Batch::recordSuccessfulJob` and `recordFailedJob`. The counters come back from one atomic update, so each
 * transition (pending reaching 0, the first failure, every job having run) is seen by exactly one caller.
 *
 * Callbacks are asked for only when the batch has some of that kind. A batch that no longer exists is
 * ignored. When a step (dispatching a callback, `onFinished`) fails, the remaining steps still run and the
 * error is thrown at the end (an `AggregateError` when several failed).
 */
export class BatchTracker {
  constructor(
    private readonly repository: BatchRepository,
    private readonly dispatchCallbacks: DispatchBatchCallbacks,
    private readonly onFinished: (batch: BatchRecord) => Promise<void>,
  ) {}

  /**
   * A job of the batch succeeded (also a retry of a job that had failed). `span`: its process span, kept with the
   * batch (in the same update) for the callbacks' links.
   */
  async recordSuccessfulJob(batchId: string, jobId: string, span?: string): Promise<void> {
    const counts = await ignoreMissing(this.repository.decrementPendingJobs(batchId, jobId, span));
    if (!counts) return;
    const finished = counts.pendingJobs === 0;
    const allRan = counts.pendingJobs - counts.failedJobs === 0;
    if (!finished && !allRan) return;

    const steps = new Steps();
    if (finished) await steps.run(() => ignoreMissing(this.repository.markAsFinished(batchId)));
    const batch = await this.repository.find(batchId);
    if (batch) {
      if (finished) {
        await steps.run(() => this.onFinished(batch));
        await steps.run(() => this.dispatch(batch, 'then'));
      }
      if (allRan) {
        await steps.run(() => this.dispatch(batch, 'finally'));
        if (continuesChain(batch, counts)) await steps.run(() => this.dispatch(batch, 'chain'));
      }
    }
    steps.throwIfAny();
  }

  /** A job of the batch failed for good (no tries left, or failed by hand). `span`: as for recordSuccessfulJob. */
  async recordFailedJob(batchId: string, jobId: string, error: Error, span?: string): Promise<void> {
    const counts = await ignoreMissing(this.repository.incrementFailedJobs(batchId, jobId, span));
    if (!counts) return;
    const first = counts.failedJobs === 1;
    const allRan = counts.pendingJobs - counts.failedJobs === 0;
    if (!first && !allRan) return;

    const steps = new Steps();
    let batch = await this.repository.find(batchId);
    if (!batch) return;
    const allowFailures = batch.options.allowFailures === true;
    if (first && !allowFailures) {
      await steps.run(() => ignoreMissing(this.repository.cancel(batchId)));
      batch = (await this.repository.find(batchId)) ?? batch;
    }
    const current = batch;
    if (first) {
      await steps.run(() => this.dispatch(current, 'catch', error));
      if (!allowFailures) await steps.run(() => this.dispatch(current, 'chainCatch', error));
    }
    if (allRan) {
      await steps.run(() => this.dispatch(current, 'finally'));
      if (continuesChain(current, counts)) await steps.run(() => this.dispatch(current, 'chain'));
    }
    steps.throwIfAny();
  }

  private async dispatch(batch: BatchRecord, which: BatchCallbackKind, error?: Error): Promise<void> {
    if (!hasCallbacks(batch, which)) return;
    await this.dispatchCallbacks(batch, which, error);
  }
}

function hasCallbacks(batch: BatchRecord, which: BatchCallbackKind): boolean {
  const options = batch.options;
  switch (which) {
    case 'chainCatch':
      return options.chainCatch !== undefined && options.chainCatch !== null;
    default:
      return (options[which]?.length ?? 0) > 0;
  }
}

/**
 * The chain goes on when every job has run and the batch was not cancelled. A failure in a batch that does
 * not allow failures cancels it; the counters say so even before that cancellation is stored, so a
 * concurrent last success never continues the chain of a failing batch.
 */
function continuesChain(batch: BatchRecord, counts: UpdatedBatchJobCounts): boolean {
  if (batch.cancelledAt) return false;
  return counts.failedJobs === 0 || batch.options.allowFailures === true;
}

async function ignoreMissing<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof BatchNotFoundError) return null;
    throw error;
  }
}

/** Runs every step even when one fails, then reports the failures. */
class Steps {
  private readonly errors: unknown[] = [];

  async run(step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.errors.push(error);
    }
  }

  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new AggregateError(this.errors, 'Several batch callbacks could not be dispatched.');
  }
}
