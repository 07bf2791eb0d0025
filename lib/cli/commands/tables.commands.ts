import type { Command } from 'commander';
import { BatchRepository } from '../../batches/batch-repository.token';
import { QueueManager } from '../../drivers/queue-manager';
import { DatabaseQueueDriver } from '../../drivers/database/database-queue.driver';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli.errors';

/** `jobs:table [connection]` and `batches:table`: create the database queue's and the batch store's tables now. */
export function registerTableCommands(program: Command, ctx: CliContext): void {
  program
    .command('jobs:table')
    .description('Create the jobs table of the database queue connections (queue:table); they also create it on first use')
    .argument('[connection]', 'a database connection (default: every database connection)')
    .action(async (name: string | undefined) => {
      const config = await ctx.config();
      const all = Object.values(config.connections);
      const targets = name === undefined ? all.filter((c) => c.driver === 'database') : all.filter((c) => c.name === name);
      if (name !== undefined && targets.length === 0) {
        throw new CliError(`No connection named "${name}"; defined connections: ${Object.keys(config.connections).join(', ')}.`);
      }
      if (targets.length === 0) return ctx.out('No connection uses the database driver: there is no jobs table to create.');
      const manager = await ctx.get(QueueManager);
      for (const connection of targets) {
        if (connection.driver !== 'database') {
          throw new CliError(`The connection "${connection.name}" uses the ${connection.driver} driver, which has no jobs table; name a database connection.`);
        }
        const driver = manager.connection(connection.name) as DatabaseQueueDriver;
        await driver.setup();
        ctx.out(`The jobs table "${connection.table}" of connection ${connection.name} is ready on database "${connection.database}".`);
      }
    });

  program
    .command('batches:table')
    .description('Create the job_batches table of the database batch store (queue:batches-table)')
    .action(async () => {
      const config = await ctx.config();
      if (config.batching.driver !== 'database') {
        return ctx.out(`Batches are kept by the ${config.batching.driver} driver: there is no table to create.`);
      }
      await (await ctx.get(BatchRepository)).setup();
      ctx.out(`The batches table "${config.batching.table}" is ready on database "${config.batching.database}".`);
    });
}
