import { QueueError } from '../errors';
import type { DescriptorPayload } from '../payload/payload.interface';
import { JobDescriptor, toDelaySeconds } from './job-descriptor';
import type { JobDispatcher } from './job-dispatcher';

/**
 * Jobs run one after another: each is sent only when the one before it succeeded. On a failure the rest is
 * dropped and the `catch` job is sent. The rest of the chain travels inside each job's payload.
 */
export class PendingChain {
  private connection?: string;
  private queue?: string;
  private delaySeconds?: number;
  private catchJob?: JobDescriptor;

  constructor(
    private readonly dispatcher: JobDispatcher,
    private readonly jobs: JobDescriptor[],
  ) {}

  onConnection(connection: string): this {
    this.connection = connection;
    return this;
  }

  onQueue(queue: string): this {
    this.queue = queue;
    return this;
  }

  delay(delay: number | Date): this {
    this.delaySeconds = toDelaySeconds(delay);
    return this;
  }

  /** The job sent when a job of the chain fails for good. */
  catch(job: JobDescriptor): this {
    this.catchJob = job;
    return this;
  }

  /** Sends the first job; resolves to its id (null for an empty chain). */
  async dispatch(): Promise<string | null> {
    const jobs = this.jobs.filter((j): j is JobDescriptor => j !== undefined && j !== null);
    if (jobs.some((j) => !(j instanceof JobDescriptor))) {
      throw new QueueError('Bus.chain() takes job descriptors: build each with job(JobClass, data).');
    }
    if (jobs.length === 0) return null;
    const described: DescriptorPayload[] = jobs.map((j) => this.dispatcher.describe(j));
    const [first, ...rest] = described;
    const request = this.dispatcher.requestFor(first, {
      chain: rest,
      chainCatch: this.catchJob ? this.dispatcher.describe(this.catchJob) : undefined,
      chainConnection: this.connection,
      chainQueue: this.queue,
    });
    if (this.delaySeconds !== undefined && first.delay === undefined) request.delay = this.delaySeconds;
    return this.dispatcher.dispatch(request);
  }
}
