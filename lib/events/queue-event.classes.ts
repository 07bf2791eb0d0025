import type { JobContext } from '../worker/job-context.interface';
import type { WorkerStopReason } from '../worker/worker-options.interface';

/** Base of every queue event: names the connection it happened on. */
export abstract class QueueEvent {
  constructor(readonly connectionName: string) {}
}

abstract class JobEvent extends QueueEvent {
  constructor(
    connectionName: string,
    readonly job: JobContext,
  ) {
    super(connectionName);
  }
}

abstract class JobExceptionEvent extends JobEvent {
  constructor(
    connectionName: string,
    job: JobContext,
    readonly exception: Error,
  ) {
    super(connectionName, job);
  }
}

/** A job was pushed. `job` is absent here: there is no JobContext before a job is reserved. */
export class JobQueued extends QueueEvent {
  constructor(
    connectionName: string,
    readonly id: string,
    readonly jobName: string,
    readonly queue: string,
    readonly delay: number,
    readonly payload: string,
  ) {
    super(connectionName);
  }
}
export class JobProcessing extends JobEvent {}
export class JobProcessed extends JobEvent {}
export class JobExceptionOccurred extends JobExceptionEvent {}
export class JobReleasedAfterException extends JobExceptionEvent {}
export class JobFailed extends JobExceptionEvent {}
export class JobTimedOut extends JobEvent {}
export class JobRetryRequested extends QueueEvent {
  constructor(
    connectionName: string,
    readonly id: string,
    readonly payload: string,
  ) {
    super(connectionName);
  }
}
export class WorkerStopping extends QueueEvent {
  constructor(
    connectionName: string,
    readonly status: number,
    readonly reason: WorkerStopReason,
  ) {
    super(connectionName);
  }
}
export class Looping extends QueueEvent {
  constructor(
    connectionName: string,
    readonly queue: string,
  ) {
    super(connectionName);
  }
}
export class QueueBusy extends QueueEvent {
  constructor(
    connectionName: string,
    readonly queue: string,
    readonly size: number,
  ) {
    super(connectionName);
  }
}
export class BatchFinished extends QueueEvent {
  constructor(
    connectionName: string,
    readonly batchId: string,
  ) {
    super(connectionName);
  }
}
/** A queue's wait (ready × average runtime ÷ processes) passed its `horizon.waits` threshold (Horizon's). */
export class LongWaitDetected extends QueueEvent {
  constructor(
    connectionName: string,
    readonly queue: string,
    /** The wait, in seconds. */
    readonly seconds: number,
  ) {
    super(connectionName);
  }
}

export type QueueEventClass<E extends QueueEvent = QueueEvent> = abstract new (...args: never[]) => E;
