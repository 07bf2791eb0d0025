import type { Command } from 'commander';
import { BatchRepository } from '../../batches/batch-repository.token';
import type { CliContext } from '../cli-context';
import { nonNegativeNumber } from '../parsers';

/** `prune-batches --hours=24`: deletes finished batches older than that (queue:prune-batches). */
export function registerBatchCommands(program: Command, ctx: CliContext): void {
  program
    .command('prune-batches')
    .description('Delete finished batches older than --hours (queue:prune-batches)')
    .option('--hours <hours>', 'age in hours (by finish time) of the batches to delete', nonNegativeNumber, 24)
    .action(async (flags: { hours: number }) => {
      const repository = await ctx.get(BatchRepository);
      const count = await repository.prune(new Date(Date.now() - flags.hours * 3600_000));
      ctx.out(`Deleted ${count} finished batches older than ${flags.hours} hours.`);
    });
}
