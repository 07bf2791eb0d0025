import { Inject, Injectable, Logger } from '@nestjs/common';
import { FAILED_JOB_STORE } from '../queue.constants';
import type { QueueDriver, ReservedJob } from '../drivers/queue-driver.interface';
import type { JobDefinition, JobHandlerInstance } from '../registry/job-definition';
import type { FailedJobStore } from '../failed/failed-job-store.interface';
import { QueueEvents } from '../events/queue-events.service';
import { JobFailed } from '../events/queue-event.classes';
import { JobDispatcher } from '../bus/job-dispatcher';
import { InvalidPayloadError } from '../errors';
import { encodePayload } from '../payload/payload.codec';
import { RunningJob } from './job-context';
import { describeError, toError } from './job-errors';
import { BatchHooks, BATCH_HOOKS } from './batch-hooks';
import { JobLogLine } from '../telemetry/job-log-line';

/**
 * What follows a run: on success the chain's next link, the batch count and the unique lock; on a final failure
 * the failed-job record (first, so nothing is lost), the reservation, the unique lock, the batch, the chain's
 * catch, @OnFailed and JobFailed.
 */
@Injectable()
export class JobOutcomes {
  private readonly logger = new Logger('nestjs-queue');
  /** Jobs whose failure has been handled, so no path fails one twice. */
  private readonly failRecorded = new WeakSet<RunningJob>();

  constructor(
    private readonly events: QueueEvents,
    private readonly dispatcher: JobDispatcher,
    @Inject(FAILED_JOB_STORE) private readonly failedStore: FailedJobStore,
    @Inject(BATCH_HOOKS) private readonly batches: BatchHooks,
  ) {}

  /** Chain, batch and unique lock after a run that neither failed nor was released. */
  async succeeded(connection: string, job: RunningJob): Promise<void> {
    const p = job.payload;
    if (p.chain && p.chain.length) {
      const [next, ...rest] = p.chain;
      try {
        await this.batches.continueChain(next, {
          chain: rest,
          chainCatch: p.chainCatch,
          chainConnection: p.chainConnection,
          chainQueue: p.chainQueue,
          batchId: p.batchCallback ? undefined : p.batchId,
        });
      } catch (error) {
        // A link that can never be sent from here (not a Redis failure): keep the job in the failed store, so a
        // retry (once the link can be sent) runs it and continues the chain, instead of running it again and again.
        if (!(error instanceof InvalidPayloadError)) throw error;
        this.logger.error(new JobLogLine(
          `The chain of ${job.name} (id ${job.id}, queue ${connection}:${job.queue}, attempt ${job.attempts}) could not continue ` +
            `with ${next.batch ? 'a batch' : next.job}: ${error.message} The job was moved to the failed jobs.`,
          job, connection,
        ));
        await this.failedStore.log({
          id: job.id, connection, queue: job.queue, payload: encodePayload(p, true), exception: describeError(error), failedAt: new Date(),
        });
        // Its batch counts it when the retry succeeds; its lock is freed as for any failed job.
        if (p.uniqueKey) await this.dispatcher.releaseUnique(connection, p.uniqueKey, p.uuid);
        return;
      }
    }
    if (p.batchId && !p.batchCallback) await this.batches.recordSuccessfulJob(p.batchId, p.uuid);
    if (p.uniqueKey && p.uniqueUntil !== 'processing') await this.dispatcher.releaseUnique(connection, p.uniqueKey, p.uuid);
  }

  /**
   * Fails a job for good: the failed-job record is written first (so nothing is lost if we die here), then the
   * reservation removed, then the unique lock, batch, chain catch, @OnFailed and JobFailed.
   */
  async fail(
    driver: QueueDriver, reserved: ReservedJob, job: RunningJob, definition: JobDefinition,
    error: Error, handler?: JobHandlerInstance,
  ): Promise<void> {
    if (this.failRecorded.has(job)) return;
    this.failRecorded.add(job);
    job.markFailed();
    const exception = describeError(error);
    await this.failedStore.log({
      id: job.id, connection: driver.connectionName, queue: reserved.queue, payload: reserved.raw, exception, failedAt: new Date(),
    });
    await driver.ack(reserved, { failed: { exception, name: job.name } });
    await this.afterFailure(driver.connectionName, job, definition, handler, error);
  }

  async afterFailure(connection: string, job: RunningJob, definition: JobDefinition, handler: JobHandlerInstance | undefined, error: Error): Promise<void> {
    const p = job.payload;
    const step = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (e) {
        const err = toError(e);
        const line = `${what} of ${job.name} (id ${job.id}, queue ${connection}:${job.queue}, attempt ${job.attempts}) threw: ${err.message}`;
        this.logger.error(new JobLogLine(line, job, connection), err.stack);
      }
    };
    if (p.uniqueKey) await step('Releasing the unique lock', () => this.dispatcher.releaseUnique(connection, p.uniqueKey as string, p.uuid));
    if (p.batchId && !p.batchCallback) await step('Recording the batch failure', () => this.batches.recordFailedJob(p.batchId as string, p.uuid, error));
    if (p.chainCatch) {
      const chainCatch = p.chainCatch;
      await step('Dispatching the chain catch job', () => this.dispatcher.dispatch(
          this.dispatcher.requestFor(chainCatch, {
            chainConnection: p.chainConnection,
            chainQueue: p.chainQueue,
            cause: { name: error.name, message: error.message },
          }),
        ),
      );
    }
    if (definition.failedMethod) {
      const method = definition.failedMethod;
      await step('The @OnFailed method', async () => {
        const instance = handler ?? (await definition.resolve());
        await (instance[method] as (d: unknown, e: Error, j: RunningJob) => unknown).call(instance, job.data, error, job);
      });
    }
    if (this.events.has(JobFailed)) await this.events.emit(new JobFailed(connection, job, error));
  }
}
