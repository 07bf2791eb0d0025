import type { Command } from 'commander';
import { FailedJobs } from '../../failed/failed-jobs.service';
import type { FailedJobRecord } from '../../failed/failed-job-store.interface';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli.errors';
import { firstLine, formatTime, table } from '../format';
import { describeFailedStore } from '../describe';
import { nonNegativeNumber } from '../parsers';
import { sameQueue } from '../../config/queue-names';

/** The job name a failed record's payload carries (its display name when it has one). */
export function jobNameOf(record: FailedJobRecord): string {
  try {
    const payload = JSON.parse(record.payload) as { displayName?: unknown; job?: unknown };
    const name = payload?.displayName ?? payload?.job;
    return typeof name === 'string' ? name : '(unknown)';
  } catch {
    return '(unreadable payload)';
  }
}

function hoursAgo(hours: number): Date {
  return new Date(Date.now() - hours * 3600_000);
}

/** `failed`, `retry`, `forget`, `flush`, `prune-failed`, `failed:table`: the failed-job store from the shell. */
export function registerFailedCommands(program: Command, ctx: CliContext): void {
  program
    .command('failed')
    .description('List failed jobs, newest first, each with the first line of its exception (queue:failed)')
    .option('--json', 'print the records as JSON')
    .action(async (flags: { json?: boolean }) => {
      const records = await (await ctx.get(FailedJobs)).all();
      if (flags.json) {
        const list = records.map((r) => ({
          id: r.id, connection: r.connection, queue: r.queue, job: jobNameOf(r), failedAt: r.failedAt.toISOString(), exception: r.exception, payload: r.payload,
        }));
        ctx.out(JSON.stringify(list, null, 2));
        return;
      }
      if (records.length === 0) return ctx.out(`No failed jobs found in ${describeFailedStore(await ctx.config())}.`);
      const rows = records.map((r) => [r.id, r.connection, r.queue, jobNameOf(r), formatTime(r.failedAt), firstLine(r.exception, 100)]);
      ctx.out(...table(['ID', 'Connection', 'Queue', 'Job', 'Failed At', 'Exception'], rows));
    });

  program
    .command('retry')
    .description('Push failed jobs back onto their queues (queue:retry)')
    .argument('<ids...>', 'ids of failed jobs, or "all"')
    .option('--queue <queue>', 'only the failed jobs of this queue')
    .action(async (ids: string[], flags: { queue?: string }) => {
      const failed = await ctx.get(FailedJobs);
      if (ids.length === 1 && ids[0] === 'all') {
        const retried = await failed.retry('all', { queue: flags.queue });
        if (retried.length === 0) return ctx.out(flags.queue ? `No failed jobs of queue "${flags.queue}" to retry.` : 'No failed jobs to retry.');
        for (const id of retried) ctx.out(`Pushed failed job ${id} back onto its queue.`);
        return;
      }
      if (ids.includes('all')) throw new CliError('"all" retries every failed job: pass it alone, not among ids.');
      const missing: string[] = [];
      const wanted: string[] = [];
      for (const id of ids) {
        const record = await failed.find(id);
        if (!record) missing.push(id);
        else if (flags.queue && !sameQueue(record.queue, flags.queue)) ctx.out(`Skipped failed job ${id}: it failed on queue "${record.queue}", not "${flags.queue}".`);
        else wanted.push(id);
      }
      const retried = wanted.length ? await failed.retry(wanted) : [];
      for (const id of retried) ctx.out(`Pushed failed job ${id} back onto its queue.`);
      if (missing.length) {
        throw new CliError(`No failed job with id ${missing.join(', ')}; list them with "nestjs-queue failed".`);
      }
    });

  program
    .command('forget')
    .description('Delete one failed job (queue:forget)')
    .argument('<id>', 'id of the failed job')
    .action(async (id: string) => {
      const removed = await (await ctx.get(FailedJobs)).forget(id);
      if (!removed) throw new CliError(`No failed job with id ${id}; list them with "nestjs-queue failed".`);
      ctx.out(`Failed job ${id} deleted.`);
    });

  program
    .command('flush')
    .description('Delete every failed job, or those older than --hours (queue:flush)')
    .option('--hours <hours>', 'only delete failed jobs older than this many hours', nonNegativeNumber)
    .action(async (flags: { hours?: number }) => {
      const count = await (await ctx.get(FailedJobs)).flush(flags.hours);
      ctx.out(flags.hours === undefined ? `Deleted ${count} failed jobs.` : `Deleted ${count} failed jobs older than ${flags.hours} hours.`);
    });

  program
    .command('prune-failed')
    .description('Delete failed jobs older than --hours (queue:prune-failed)')
    .option('--hours <hours>', 'age in hours of the failed jobs to delete', nonNegativeNumber, 24)
    .action(async (flags: { hours: number }) => {
      const count = await (await ctx.get(FailedJobs)).prune(hoursAgo(flags.hours));
      ctx.out(`Deleted ${count} failed jobs older than ${flags.hours} hours.`);
    });

  program
    .command('failed:table')
    .description('Create the failed jobs table of the database failed store (queue:failed-table)')
    .action(async () => {
      const config = await ctx.config();
      await (await ctx.get(FailedJobs)).setup();
      if (config.failed.driver === 'database') {
        ctx.out(`The failed jobs table "${config.failed.table}" is ready on database "${config.failed.database}".`);
      } else {
        ctx.out(`The failed store uses the ${config.failed.driver} driver: there is no table to create.`);
      }
    });
}
