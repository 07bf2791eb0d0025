import type { Command } from 'commander';
import { Scheduler } from '../../scheduler/scheduler';
import type { CliContext } from '../cli-context';
import type { MasterService } from '../../supervisor/master-supervisor';
import { dotted, lineWidth, oneLine, stylesFor, table } from '../format';

/**
 * `schedule:work`: runs the scheduler in the foreground until SIGTERM or SIGINT, one line per dispatch.
 * `schedule:list`: each task, its cron, time zone, where it goes and its next due time.
 */
export function registerScheduleCommands(program: Command, ctx: CliContext): void {
  program
    .command('schedule:work')
    .description('Dispatch the scheduled jobs on their cron, once per due time across every scheduler (schedule:work)')
    .action(async () => {
      const scheduler = await ctx.get(Scheduler);
      const styles = stylesFor(ctx.io.stdout);
      const width = lineWidth(ctx.io.stdout);
      scheduler.onDispatch(({ task, due, jobId }) =>
        ctx.out(dotted(`  ${due.toISOString()} ${task.jobName}`, `${styles.green('DISPATCHED')} ${jobId ?? '(unique lock held)'}`, width, styles)),
      );
      // The first failure of a due time and its end; the retries in between stay quiet.
      scheduler.onError(({ task, due, error, willRetry, attempt }) => {
        if (attempt <= 1 || !willRetry) ctx.err(`  ${due.toISOString()} ${task.jobName} FAILED: ${oneLine(error)}${willRetry ? ' (retrying)' : ''}`);
      });
      const stop = () => void scheduler.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        await scheduler.start();
        const tasks = scheduler.list();
        ctx.out(`  Running the scheduler: ${tasks.length} task${tasks.length === 1 ? '' : 's'}. Press Ctrl+C to stop.`);
        await scheduler.whenStopped();
      } finally {
        process.removeListener('SIGTERM', stop);
        process.removeListener('SIGINT', stop);
      }
    });

  program
    .command('schedule:list')
    .description('List the scheduled jobs with their cron, time zone and next due time (schedule:list)')
    .action(async () => {
      const scheduler = await ctx.get(Scheduler);
      const tasks = scheduler.list();
      if (tasks.length === 0) {
        ctx.out('No scheduled jobs have been defined.');
        return;
      }
      const now = new Date();
      const rows = tasks.map((task) => {
        const next = scheduler.nextDue(task, now);
        const target = [task.connection, task.queue].filter(Boolean).join(':') || '-';
        return [task.jobName, task.cron, task.timezone, target, next ? localTime(next, task.timezone) : 'never', next ? next.toISOString() : '-', task.id];
      });
      ctx.out(...table(['Job', 'Cron', 'Timezone', 'Queue', 'Next due (local)', 'Next due (UTC)', 'Task'], rows));
    });
}

/** `2026-12-02 03:00:00` on the wall clock of `timezone`. */
function localTime(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/**
 * The scheduler as a service of a `supervise` master (Horizon's masters run the schedule too): started after the
 * supervisors, stopped on terminate. An app without scheduled tasks gets none, so its master makes no claims.
 */
export async function schedulerMasterServices(ctx: CliContext): Promise<MasterService[]> {
  const scheduler = await ctx.get(Scheduler);
  if (scheduler.list().length === 0) return [];
  scheduler.onDispatch(({ task, due, jobId }) => ctx.out(`  scheduler: ${due.toISOString()} ${task.jobName} DISPATCHED ${jobId ?? '(unique lock held)'}`));
  scheduler.onError(({ task, due, error, willRetry, attempt }) => {
    if (attempt <= 1 || !willRetry) ctx.err(`  scheduler: ${due.toISOString()} ${task.jobName} FAILED: ${oneLine(error)}${willRetry ? ' (retrying)' : ''}`);
  });
  return [{ name: 'scheduler', start: () => scheduler.start(), stop: () => scheduler.stop() }];
}
