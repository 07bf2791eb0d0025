import { QueueEvents } from '../../events/queue-events.service';
import { JobFailed, JobProcessed, JobProcessing, JobReleasedAfterException, JobTimedOut } from '../../events/queue-event.classes';
import type { JobContext } from '../../worker/job-context.interface';
import { dotted, firstLine, formatDuration, formatTime, lineWidth, stylesFor } from '../format';

/**
 * What `work` prints, as `queue:work` does: one line when a job starts (RUNNING) and one when it ends, each stamped
 * with the time: `12.30ms DONE`; `RELEASED (retry in 10s)` when it threw and will be tried again; `TIMED OUT`;
 * `FAILED` when it failed for good. A line that is not DONE is followed by the exception's first line, indented.
 */
export class WorkOutput {
  private readonly started = new Map<string, number>();
  private readonly detachers: (() => void)[] = [];
  private readonly styles;
  private readonly width;

  constructor(
    events: QueueEvents,
    private readonly stdout: NodeJS.WriteStream,
    /** The worker's --backoff, for jobs that do not set their own: the delay a RELEASED line shows. */
    private readonly workerBackoff: readonly number[] = [],
  ) {
    this.styles = stylesFor(stdout);
    this.width = lineWidth(stdout);
    this.detachers.push(
      events.on(JobProcessing, (e) => this.starting(e.job)),
      events.on(JobProcessed, (e) => this.finished(e.job, this.styles.green('DONE'))),
      events.on(JobReleasedAfterException, (e) =>
        this.finished(e.job, this.styles.yellow(`RELEASED (retry in ${this.retryDelay(e.job)}s)`), e.exception),
      ),
      events.on(JobTimedOut, (e) => this.finished(e.job, this.styles.red('TIMED OUT'))),
      events.on(JobFailed, (e) => this.finished(e.job, this.styles.red('FAILED'), e.exception)),
    );
  }

  detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  private starting(job: JobContext): void {
    this.started.set(job.id, performance.now());
    this.write(job, this.styles.yellow('RUNNING'));
  }

  /** A job's run time shows on the first line that ends its attempt (a timeout, then its failure, show it once). */
  private finished(job: JobContext, status: string, exception?: Error): void {
    const startedAt = this.started.get(job.id);
    this.started.delete(job.id);
    const runtime = startedAt === undefined ? '' : `${this.styles.gray(formatDuration(performance.now() - startedAt))} `;
    this.write(job, `${runtime}${status}`);
    if (exception) this.stdout.write(`    ${this.styles.gray(firstLine(exception))}\n`);
  }

  /** The backoff the worker applied to this attempt, as JobRunner computes it: backoff[attempts - 1], the last repeating. */
  private retryDelay(job: JobContext): number {
    const list = job.payload?.backoff ?? this.workerBackoff;
    if (!list.length) return 0;
    return list[Math.min(Math.max(job.attempts - 1, 0), list.length - 1)];
  }

  private write(job: JobContext, status: string): void {
    const name = job.payload?.displayName ?? job.name;
    const left = `  ${this.styles.gray(formatTime(new Date()))} ${name}`;
    this.stdout.write(`${dotted(left, status, this.width, this.styles)}\n`);
  }
}
