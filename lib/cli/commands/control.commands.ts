import type { Command } from 'commander';
import { RedisConnections } from '../../redis/redis-connections';
import { pausedKey, restartKey } from '../../worker/control-keys';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli.errors';
import { parseQueueTarget, QueueTarget } from '../parsers';
import { pauseOrContinueSupervisors } from './supervisor.commands';

/** `restart`, `pause`, `continue`: signals to running workers through Redis (read at most once a second). */
export function registerControlCommands(program: Command, ctx: CliContext): void {
  program
    .command('restart')
    .description('Make every running worker stop after its current job (queue:restart)')
    .action(async () => {
      const config = await ctx.config();
      const redis = await ctx.get(RedisConnections);
      const servers = new Set<string>();
      for (const connection of Object.values(config.connections)) if (connection.driver === 'redis') servers.add(connection.server);
      const stamp = String(Date.now());
      for (const server of servers) await redis.get(server).set(restartKey(config.prefix), stamp);
      ctx.out('Broadcasting queue restart signal.');
    });

  program
    .command('pause')
    .description('Stop workers from taking jobs of a queue until "continue" (queue:pause); with no queue, pause every supervisor (horizon:pause)')
    .argument('[queue]', 'connection:queue, e.g. redis:default (a bare name is on the default connection)')
    .action(async (value: string | undefined) => {
      if (value === undefined) return pauseOrContinueSupervisors(ctx, 'pause');
      const { connection, queue, client, key } = await controlTarget(ctx, value);
      await client.set(key, '1');
      ctx.out(`Job processing on queue [${connection.name}:${queue}] has been paused.`);
    });

  program
    .command('continue')
    .description('Let workers take jobs of a paused queue again (queue:continue); with no queue, continue every supervisor (horizon:continue)')
    .argument('[queue]', 'connection:queue, e.g. redis:default (a bare name is on the default connection)')
    .action(async (value: string | undefined) => {
      if (value === undefined) return pauseOrContinueSupervisors(ctx, 'continue');
      const { connection, queue, client, key } = await controlTarget(ctx, value);
      await client.del(key);
      ctx.out(`Job processing on queue [${connection.name}:${queue}] has been resumed.`);
    });
}

async function controlTarget(ctx: CliContext, value: string) {
  const config = await ctx.config();
  const target: QueueTarget = parseQueueTarget(value, config);
  const { connection, queue } = target;
  if (connection.driver !== 'redis') {
    throw new CliError(`Connection "${connection.name}" uses the ${connection.driver} driver, which has no workers to pause; name a redis connection.`);
  }
  const client = (await ctx.get(RedisConnections)).get(connection.server);
  return { connection, queue, client, key: pausedKey(config.prefix, connection.name, queue) };
}
