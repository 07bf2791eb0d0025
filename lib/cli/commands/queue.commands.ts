import type { Command } from 'commander';
import { parseQueueList } from '../../config/queue-names';
import { QueueManager } from '../../drivers/queue-manager';
import { QueueEvents } from '../../events/queue-events.service';
import { QueueBusy } from '../../events/queue-event.classes';
import type { CliContext } from '../cli-context';
import { dotted, lineWidth, stylesFor, table } from '../format';
import { connectionNamed, parseQueueTargets, wholeNumber } from '../parsers';

/** `clear`, `size`, `monitor`: what is waiting on the queues. */
export function registerQueueCommands(program: Command, ctx: CliContext): void {
  program
    .command('clear')
    .description('Delete every job of the queues: ready, delayed and reserved (queue:clear)')
    .argument('[connection]', 'connection (default: the configured default connection)')
    .option('--queue <queues>', "comma list of queues (default: the connection's queue)")
    .action(async (name: string | undefined, flags: { queue?: string }) => {
      const config = await ctx.config();
      const connection = connectionNamed(name, config);
      const driver = (await ctx.get(QueueManager)).connection(connection.name);
      for (const queue of (flags.queue === undefined ? [connection.queue] : parseQueueList(flags.queue, config.queues))) {
        const count = await driver.clear(queue);
        ctx.out(`Cleared ${count} ${count === 1 ? 'job' : 'jobs'} from the [${connection.name}:${queue}] queue.`);
      }
    });

  program
    .command('size')
    .description('Show how many jobs are ready, delayed and reserved on the queues')
    .argument('[connection]', 'connection (default: the configured default connection)')
    .option('--queue <queues>', "comma list of queues, or the name of a list under `queues` (default: the connection's queue)")
    .option('--json', 'print the sizes as JSON')
    .action(async (name: string | undefined, flags: { queue?: string; json?: boolean }) => {
      const config = await ctx.config();
      const connection = connectionNamed(name, config);
      const driver = (await ctx.get(QueueManager)).connection(connection.name);
      const rows: { connection: string; queue: string; ready: number; delayed: number; reserved: number; total: number }[] = [];
      for (const queue of (flags.queue === undefined ? [connection.queue] : parseQueueList(flags.queue, config.queues))) {
        const s = await driver.sizes(queue);
        rows.push({ connection: connection.name, queue, ready: s.ready, delayed: s.delayed, reserved: s.reserved, total: s.ready + s.delayed + s.reserved });
      }
      if (flags.json) return ctx.out(JSON.stringify(rows, null, 2));
      const cells = rows.map((r) => [r.connection, r.queue, String(r.ready), String(r.delayed), String(r.reserved), String(r.total)]);
      ctx.out(...table(['Connection', 'Queue', 'Ready', 'Delayed', 'Reserved', 'Total'], cells));
    });

  program
    .command('monitor')
    .description('Show queue sizes and fire QueueBusy for each queue at or over --max (queue:monitor)')
    .argument('<queues>', 'comma list of connection:queue, e.g. redis:default,redis:high (a bare name is on the default connection)')
    .option('--max <n>', 'the size at which a queue is busy', wholeNumber, 1000)
    .action(async (list: string, flags: { max: number }) => {
      const config = await ctx.config();
      const targets = parseQueueTargets(list, config);
      const manager = await ctx.get(QueueManager);
      const events = await ctx.get(QueueEvents);
      const styles = stylesFor(ctx.io.stdout);
      const width = lineWidth(ctx.io.stdout);
      for (const { connection, queue } of targets) {
        const size = await manager.connection(connection.name).size(queue);
        const busy = size >= flags.max;
        ctx.out(dotted(`  ${connection.name}:${queue}`, `[${size}] ${busy ? styles.red('ALERT') : styles.green('OK')}`, width, styles));
        if (busy) await events.emit(new QueueBusy(connection.name, queue, size));
      }
    });
}
