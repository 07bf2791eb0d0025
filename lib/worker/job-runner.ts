import { Inject, Injectable, Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { QUEUE_CONFIG, FAILED_JOB_STORE } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import type { QueueDriver, ReservedJob } from '../drivers/queue-driver.interface';
import { QueueManager } from '../drivers/queue-manager';
import { AtomicStores } from '../stores/atomic-stores';
import { JobRegistry } from '../registry/job.registry';
import type { JobDefinition, JobHandlerInstance } from '../registry/job-definition';
import { decodePayload, describePayloadForLog, salvageUuid } from '../payload/payload.codec';
import { JobPayload, PAYLOAD_VERSION } from '../payload/payload.interface';
import type { FailedJobStore } from '../failed/failed-job-store.interface';
import { QueueEvents } from '../events/queue-events.service';
import {
  JobExceptionOccurred, JobFailed, JobProcessed, JobProcessing, JobReleasedAfterException, JobTimedOut,
} from '../events/queue-event.classes';
import { InvalidPayloadError, JobTimeoutError, MaxAttemptsExceededError, MaxExceptionsExceededError } from '../errors';
import { JobDispatcher } from '../bus/job-dispatcher';
import { SyncRunner } from '../bus/sync-runner';
import type { Batch } from '../batches/batch';
import { RunningJob } from './job-context';
import { describeError, isMissingRecordError, toError } from './job-errors';
import { middlewareFor, runThroughPipeline } from './middleware-pipeline';
import { BatchHooks, BATCH_HOOKS } from './batch-hooks';
import { JobOutcomes } from './job-outcomes';
import { QueueTelemetry } from '../telemetry/queue-telemetry';
import type { AttemptRecorder } from '../telemetry/telemetry.types';

/** The job's name from a payload that could not be run, when its head names one; else 'unknown'. */
function unreadableName(raw: string): string {
  const match = /^\{"v":\d+,(?:"attempts":\d+,)?"uuid":"[^"]*","job":"([^"\\]{1,200})"/.exec(raw);
  return match ? match[1] : 'unknown';
}

/** The worker's defaults that apply to a job which does not set its own. */
export interface RunDefaults {
  tries: number;
  timeout: number;
  backoff: number[];
  /** Seconds a handler that ignores its timeout may take to settle before the worker gives up on it. */
  timeoutGrace: number;
}

/**
 * - `done`: the reservation must still be removed (the worker may do it in one round trip with the next pop);
 *   everything else (chain, batch, unique lock) is handled.
 * - `handled`: the reservation was released, removed or failed already.
 * - `stuck`: the job ignored its timeout; the worker must stop and the process exit non-zero.
 */
export type ProcessResult = 'done' | 'handled' | 'stuck';

const EXCEPTIONS_TTL_SECONDS = 86400;

/**
 * Owns one job's lifecycle, top to bottom, as Laravel's Worker::process: decode → attempts check →
 * JobProcessing → middleware → handle (with timeout) → ack | release with backoff | fail → JobProcessed.
 */
@Injectable()
export class JobRunner extends SyncRunner {
  private readonly logger = new Logger('nestjs-queue');

  constructor(
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
    private readonly manager: QueueManager,
    private readonly registry: JobRegistry,
    private readonly events: QueueEvents,
    private readonly dispatcher: JobDispatcher,
    @Inject(FAILED_JOB_STORE) private readonly failedStore: FailedJobStore,
    @Inject(BATCH_HOOKS) private readonly batches: BatchHooks,
    private readonly outcomes: JobOutcomes,
    private readonly telemetry: QueueTelemetry,
    private readonly stores: AtomicStores,
  ) {
    super();
    manager.setSyncExecutor((connection, queue, raw) => this.runSyncPayload(connection, queue, raw));
  }

  /**
   * `watch`, when given, is called synchronously (before the first await) with the time (epoch ms, 0 = none) past
   * which the job has overrun its timeout and grace, once the payload is read.
   */
  async process(driver: QueueDriver, reserved: ReservedJob, defaults: RunDefaults, watch?: (deadline: number) => void): Promise<ProcessResult> {
    let payload: JobPayload;
    let definition: JobDefinition | undefined;
    let data: unknown;
    try {
      payload = decodePayload(reserved.raw);
      definition = this.registry.byJobName(payload.job);
      if (!definition) {
        throw new InvalidPayloadError(
          `No job named "${payload.job}" is registered in this worker. Register its @Job class in a module, or delete the job.`,
        );
      }
      data = this.dispatcher.encrypter.dataOf(payload);
    } catch (error) {
      await this.failUnreadable(driver, reserved, toError(error));
      return 'handled';
    }

    const maxTries = payload.maxTries ?? defaults.tries;
    const job = this.context(payload, data, driver.connectionName, reserved.queue, maxTries);
    return this.telemetry.attempt(job, () => this.backoffFor(payload, defaults), (attempt) =>
      this.attempt(driver, reserved, defaults, watch, job, definition, data, attempt),
    );
  }

  /** One attempt of a readable job, inside its telemetry (README, Observability). */
  private async attempt(
    driver: QueueDriver, reserved: ReservedJob, defaults: RunDefaults, watch: ((deadline: number) => void) | undefined,
    job: RunningJob, definition: JobDefinition, data: unknown, attempt: AttemptRecorder,
  ): Promise<ProcessResult> {
    const payload = job.payload;
    const maxTries = job.maxTries;
    const timeout = payload.timeout ?? defaults.timeout;
    const nowSeconds = Date.now() / 1000;
    watch?.(timeout > 0 ? Date.now() + (timeout + defaults.timeoutGrace) * 1000 : 0);

    if (payload.retryUntil !== undefined ? nowSeconds > payload.retryUntil : maxTries > 0 && payload.attempts > maxTries) {
      // As Laravel's Worker::process: JobProcessing, then the failure (JobFailed), then JobExceptionOccurred.
      const reason = payload.retryUntil !== undefined ? 'retryUntil' : 'tries';
      const error = new MaxAttemptsExceededError(payload.job, reason);
      attempt.refused(error);
      if (this.events.has(JobProcessing)) await this.events.emit(new JobProcessing(driver.connectionName, job));
      await this.outcomes.fail(driver, reserved, job, definition, error);
      if (this.events.has(JobExceptionOccurred)) await this.events.emit(new JobExceptionOccurred(driver.connectionName, job, error));
      return 'handled';
    }

    if (this.events.has(JobProcessing)) await this.events.emit(new JobProcessing(driver.connectionName, job));

    let handler: JobHandlerInstance | undefined;
    let settled = true;
    try {
      handler = await definition.resolve();
      const uniqueKey = payload.uniqueUntil === 'processing' ? payload.uniqueKey : undefined;
      // Until processing means until handle() starts: a job a middleware releases keeps its lock (as Laravel).
      const beforeHandle = uniqueKey ? () => this.dispatcher.releaseUnique(driver.connectionName, uniqueKey, payload.uuid) : undefined;
      const middleware = middlewareFor(definition, data);
      const run = runThroughPipeline(middleware, handler, data, job, beforeHandle);
      if (timeout > 0) {
        const outcome = await this.withTimeout(run, job, timeout, defaults.timeoutGrace);
        if (outcome !== 'ok') {
          attempt.timedOut(new JobTimeoutError(job.name, timeout));
          settled = outcome === 'timed-out';
          await this.handleTimeout(driver, reserved, job, definition, handler, timeout, defaults, settled);
          return settled ? 'handled' : 'stuck';
        }
      } else {
        await run;
      }
    } catch (thrown) {
      const error = toError(thrown);
      attempt.threw(error, payload.deleteWhenMissing === true && isMissingRecordError(error));
      await this.handleException(driver, reserved, job, definition, handler, error, defaults);
      return 'handled';
    }

    const outcome = job.outcome;
    if (outcome.kind === 'failed') {
      // handle() returned normally after fail(): as Laravel's Worker::process, the run still counts as processed.
      await this.outcomes.fail(driver, reserved, job, definition, outcome.error, handler);
      if (this.events.has(JobProcessed)) await this.events.emit(new JobProcessed(driver.connectionName, job));
      return 'handled';
    }
    if (outcome.kind === 'released') {
      await driver.release(reserved, outcome.delay);
      if (this.events.has(JobProcessed)) await this.events.emit(new JobProcessed(driver.connectionName, job));
      return 'handled';
    }
    // Succeeded, or deleted by its handler: Laravel continues the chain and counts the batch in both cases.
    await this.outcomes.succeeded(driver.connectionName, job);
    if (this.events.has(JobProcessed)) await this.events.emit(new JobProcessed(driver.connectionName, job));
    return 'done';
  }

  /** dispatchSync: run the job here and now; no retries; a failure runs the failure handling and is thrown. */
  async run(definition: JobDefinition, data: unknown, connection = 'sync', queue = 'default'): Promise<void> {
    const payload: JobPayload = { v: PAYLOAD_VERSION, attempts: 1, uuid: uuidv7(), job: definition.name, data };
    await this.runInline(definition, payload, data, connection, queue);
  }

  private async runSyncPayload(connection: string, queue: string, raw: string): Promise<void> {
    const payload = decodePayload(raw);
    payload.attempts = 1;
    const definition = this.registry.byJobName(payload.job);
    if (!definition) throw new InvalidPayloadError(`No job named "${payload.job}" is registered.`);
    const data = this.dispatcher.encrypter.dataOf(payload);
    await this.runInline(definition, payload, data, connection, queue);
  }

  private async runInline(definition: JobDefinition, payload: JobPayload, data: unknown, connection: string, queue: string): Promise<void> {
    const job = this.context(payload, data, connection, queue, 1);
    const error = await this.telemetry.inline(job, (attempt) => this.runNow(definition, job, attempt));
    if (error) throw error;
  }

  /** One inline run, inside its telemetry: resolves to the error the job failed with (after its failure handling), or null. */
  private async runNow(definition: JobDefinition, job: RunningJob, attempt: AttemptRecorder): Promise<Error | null> {
    const { payload, data, connection } = job;
    if (this.events.has(JobProcessing)) await this.events.emit(new JobProcessing(connection, job));
    const handler = await definition.resolve();
    let error: Error | null = null;
    try {
      if (payload.uniqueKey) await this.dispatcher.releaseUnique(connection, payload.uniqueKey, payload.uuid);
      await runThroughPipeline(middlewareFor(definition, data), handler, data, job);
      if (job.outcome.kind === 'failed') error = job.outcome.error;
    } catch (thrown) {
      error = toError(thrown);
      const missing = payload.deleteWhenMissing === true && isMissingRecordError(error);
      attempt.threw(error, missing);
      if (missing) return null;
      if (this.events.has(JobExceptionOccurred)) await this.events.emit(new JobExceptionOccurred(connection, job, error));
    }
    if (error) {
      job.markFailed();
      await this.outcomes.afterFailure(connection, job, definition, handler, error);
      return error;
    }
    if (job.outcome.kind !== 'released') await this.outcomes.succeeded(connection, job);
    if (this.events.has(JobProcessed)) await this.events.emit(new JobProcessed(connection, job));
    return null;
  }

  private context(payload: JobPayload, data: unknown, connection: string, queue: string, maxTries: number): RunningJob {
    const stores = this.stores;
    const runtime = { prefix: this.config.prefix, get store() { return stores.forConnection(connection); } };
    return new RunningJob(payload, data, connection, queue, maxTries, runtime, (id) =>
      this.loadBatch(id),
    );
  }

  private loadBatch(id: string): Promise<Batch | null> {
    if (!this.batches) return Promise.resolve(null);
    return this.batches.find(id);
  }

  private async withTimeout(run: Promise<void>, job: RunningJob, timeout: number, grace: number): Promise<'ok' | 'timed-out' | 'stuck'> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeout * 1000);
    });
    try {
      const first = await Promise.race([run.then(() => 'ok' as const), timedOut]);
      if (first === 'ok') return 'ok';
    } finally {
      clearTimeout(timer);
    }
    job.abort(new JobTimeoutError(job.name, timeout));
    let graceTimer: NodeJS.Timeout | undefined;
    const settledInGrace = await Promise.race([
      run.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), grace * 1000);
      }),
    ]);
    clearTimeout(graceTimer);
    return settledInGrace ? 'timed-out' : 'stuck';
  }

  /** Laravel's timeout rules: fail if it would exceed its tries or maxExceptions, or failOnTimeout; else release. */
  private async handleTimeout(
    driver: QueueDriver, reserved: ReservedJob, job: RunningJob, definition: JobDefinition,
    handler: JobHandlerInstance, timeout: number, defaults: RunDefaults, settled: boolean,
  ): Promise<void> {
    const error = new JobTimeoutError(job.name, timeout);
    const p = job.payload;
    if (this.events.has(JobTimedOut)) await this.events.emit(new JobTimedOut(driver.connectionName, job));
    if (this.willExceedTries(job) || p.failOnTimeout || (await this.willExceedExceptions(job))) {
      await this.outcomes.fail(driver, reserved, job, definition, error, handler);
      return;
    }
    // A handler that ignored its signal is still running: keep the reservation, so no other worker starts the job
    // while it does; the worker stops, and the job comes back after retryAfter (as Laravel's killed worker).
    if (!settled) return;
    await driver.release(reserved, this.backoffFor(p, defaults));
  }

  private async handleException(
    driver: QueueDriver, reserved: ReservedJob, job: RunningJob, definition: JobDefinition,
    handler: JobHandlerInstance | undefined, error: Error, defaults: RunDefaults,
  ): Promise<void> {
    const p = job.payload;
    if (p.deleteWhenMissing && isMissingRecordError(error)) {
      await driver.ack(reserved);
      if (p.uniqueKey) await this.dispatcher.releaseUnique(driver.connectionName, p.uniqueKey, p.uuid);
      if (p.batchId && !p.batchCallback && this.batches) await this.batches.recordSuccessfulJob(p.batchId, p.uuid);
      if (this.events.has(JobProcessed)) await this.events.emit(new JobProcessed(driver.connectionName, job));
      return;
    }
    if (job.outcome.kind === 'failed') {
      // fail() was called, then the handler threw: the requested failure stands.
      await this.outcomes.fail(driver, reserved, job, definition, job.outcome.error, handler);
    }
    try {
      if (!job.hasFailed()) {
        if (this.willExceedTries(job)) {
          await this.outcomes.fail(driver, reserved, job, definition, error, handler);
        } else if (await this.willExceedExceptions(job)) {
          const tooMany = new MaxExceptionsExceededError(`${job.name} has thrown ${p.maxExceptions} exceptions; the last: ${error.message}`);
          await this.outcomes.fail(driver, reserved, job, definition, tooMany, handler);
        }
      }
      if (this.events.has(JobExceptionOccurred)) await this.events.emit(new JobExceptionOccurred(driver.connectionName, job, error));
    } finally {
      if (!job.hasFailed()) {
        const outcome = job.outcome;
        if (outcome.kind === 'released') {
          await driver.release(reserved, outcome.delay);
        } else if (outcome.kind === 'deleted') {
          await driver.ack(reserved);
        } else {
          await driver.release(reserved, this.backoffFor(p, defaults));
          if (this.events.has(JobReleasedAfterException)) await this.events.emit(new JobReleasedAfterException(driver.connectionName, job, error));
        }
      }
    }
  }

  private willExceedTries(job: RunningJob): boolean {
    const p = job.payload;
    if (p.retryUntil !== undefined) return Date.now() / 1000 >= p.retryUntil;
    return job.maxTries > 0 && p.attempts >= job.maxTries;
  }

  private async willExceedExceptions(job: RunningJob): Promise<boolean> {
    const max = job.payload.maxExceptions;
    if (!max) return false;
    const key = `${this.config.prefix}job-exceptions:${job.id}`;
    const count = await this.stores.forConnection(job.connection).increment(key, EXCEPTIONS_TTL_SECONDS);
    return count >= max;
  }

  backoffFor(p: JobPayload, defaults: RunDefaults): number {
    const list = p.backoff ?? defaults.backoff;
    if (!list.length) return 0;
    return list[Math.min(Math.max(p.attempts - 1, 0), list.length - 1)];
  }

  /** A payload that cannot be run (malformed, unknown version or job, undecryptable) goes to the failed store. */
  private async failUnreadable(driver: QueueDriver, reserved: ReservedJob, error: Error): Promise<void> {
    const uuid = salvageUuid(reserved.raw) ?? uuidv7();
    this.logger.error(`A job (${describePayloadForLog(reserved.raw)}) on ${driver.connectionName}:${reserved.queue} could not be run and was moved to the failed jobs: ${error.message}`);
    const exception = describeError(error);
    await this.failedStore.log({
      id: uuid, connection: driver.connectionName, queue: reserved.queue, payload: reserved.raw, exception, failedAt: new Date(),
    });
    await driver.ack(reserved, { failed: { exception, name: unreadableName(reserved.raw) } });
    if (this.events.has(JobFailed)) {
      let payload: JobPayload;
      try {
        payload = JSON.parse(reserved.raw) as JobPayload;
        if (typeof payload !== 'object' || payload === null) throw new Error('not an object');
      } catch {
        payload = { v: PAYLOAD_VERSION, attempts: 0, uuid, job: 'unknown', data: null };
      }
      const job = this.context({ ...payload, uuid }, null, driver.connectionName, reserved.queue, 0);
      job.markFailed();
      await this.events.emit(new JobFailed(driver.connectionName, job, error));
    }
  }
}
