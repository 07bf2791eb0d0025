import { QueueEvents } from '../../events/queue-events.service';
import { JobFailed, JobProcessed, JobProcessing, JobReleasedAfterException, JobTimedOut } from '../../events/queue-event.classes';
import type { JobContext } from '../../worker/job-context.interface';
import { dotted, formatDuration, formatTime, lineWidth, stylesFor } from '../format';

/**
 * What `work` prints, as `queue:work` does: one line when a job starts (RUNNING) and one when it ends
 * (`12.30ms DONE`, or FAIL when it threw, timed out or failed for good), each stamped with the time.
 */
export class WorkOutput {
  private readonly started = new Map<string, number>();
  /** Jobs whose attempt was already reported as timed out, so the failure that may follow is not printed twice. */
  private readonly timedOut = new Set<string>();
  private readonly detachers: (() => void)[] = [];
  private readonly styles;
  private readonly width;

  constructor(
    events: QueueEvents,
    private readonly stdout: NodeJS.WriteStream,
  ) {
    this.styles = stylesFor(stdout);
    this.width = lineWidth(stdout);
    this.detachers.push(
      events.on(JobProcessing, (e) => this.starting(e.job)),
      events.on(JobProcessed, (e) => this.finished(e.job, this.styles.green('DONE'))),
      events.on(JobReleasedAfterException, (e) => this.finished(e.job, this.styles.red('FAIL'))),
      events.on(JobTimedOut, (e) => {
        this.timedOut.add(e.job.id);
        this.finished(e.job, this.styles.red('FAIL'));
      }),
      events.on(JobFailed, (e) => {
        if (this.timedOut.delete(e.job.id)) return;
        this.finished(e.job, this.styles.red('FAIL'));
      }),
    );
  }

  detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  private starting(job: JobContext): void {
    this.started.set(job.id, performance.now());
    this.timedOut.delete(job.id);
    this.write(job, this.styles.yellow('RUNNING'));
  }

  private finished(job: JobContext, status: string): void {
    const startedAt = this.started.get(job.id);
    this.started.delete(job.id);
    const runtime = startedAt === undefined ? '' : `${this.styles.gray(formatDuration(performance.now() - startedAt))} `;
    this.write(job, `${runtime}${status}`);
  }

  private write(job: JobContext, status: string): void {
    const name = job.payload?.displayName ?? job.name;
    const left = `  ${this.styles.gray(formatTime(new Date()))} ${name}`;
    this.stdout.write(`${dotted(left, status, this.width, this.styles)}\n`);
  }
}
