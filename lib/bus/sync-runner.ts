import type { JobDefinition } from '../registry/job-definition';

/** Runs a job in this process now (dispatchSync, the sync driver). Implemented by the worker's JobRunner. */
export abstract class SyncRunner {
  abstract run(definition: JobDefinition, data: unknown, connection?: string, queue?: string): Promise<void>;
}
