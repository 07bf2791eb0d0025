import type { Command } from 'commander';
import { AtomicStores, StoreTarget } from '../../stores/atomic-stores';
import type { AtomicStore } from '../../stores/atomic-store.interface';
import { pausedKey, restartKey } from '../../worker/control-keys';
import type { ResolvedConnection, ResolvedQueueConfig } from '../../config/resolved-config.interface';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli.errors';
import { parseQueueTarget, QueueTarget } from '../parsers';
import { pauseOrContinueSupervisors } from './supervisor.commands';

/**
 * `restart`, `pause`, `continue`: signals to running workers, written where each connection's workers read them (its
 * Redis server, or its database), read at most once a second.
 */
export function registerControlCommands(program: Command, ctx: CliContext): void {
  program
    .command('restart')
    .description('Make every running worker stop after its current job (queue:restart)')
    .argument('[connections...]', 'signal only the workers of these connections (default: see the README)')
    .action(async (names: string[]) => {
      const config = await ctx.config();
      const stores = await ctx.get(AtomicStores);
      // Every store some connection's workers read, once each (connections on one server share it).
      const targets = new Map<string, { store: AtomicStore; connections: string[] }>();
      for (const connection of restartConnections(config, names)) {
        const target = stores.targetOf(connection.name);
        const id = targetId(target);
        const entry = targets.get(id) ?? { store: stores.forConnection(connection.name), connections: [] };
        entry.connections.push(connection.name);
        targets.set(id, entry);
      }
      const stamp = String(Date.now());
      const failures: string[] = [];
      for (const { store, connections } of targets.values()) {
        try {
          await store.set(restartKey(config.prefix), stamp);
        } catch (error) {
          failures.push(`Workers of ${connections.join(', ')} were not signalled: ${store.description} failed (${error instanceof Error ? error.message : String(error)}).`);
        }
      }
      if (targets.size > 0 && failures.length === targets.size) throw new CliError(failures.join(' '));
      for (const failure of failures) ctx.err(failure);
      ctx.out('Broadcasting queue restart signal.');
    });

  program
    .command('pause')
    .description('Stop workers from taking jobs of a queue until "continue" (queue:pause); with no queue, pause every supervisor (horizon:pause)')
    .argument('[queue]', 'connection:queue, e.g. redis:default (a bare name is on the default connection)')
    .action(async (value: string | undefined) => {
      if (value === undefined) return pauseOrContinueSupervisors(ctx, 'pause');
      const { connection, queue, store, key } = await controlTarget(ctx, value);
      await store.set(key, '1');
      ctx.out(`Job processing on queue [${connection.name}:${queue}] has been paused.`);
    });

  program
    .command('continue')
    .description('Let workers take jobs of a paused queue again (queue:continue); with no queue, continue every supervisor (horizon:continue)')
    .argument('[queue]', 'connection:queue, e.g. redis:default (a bare name is on the default connection)')
    .action(async (value: string | undefined) => {
      if (value === undefined) return pauseOrContinueSupervisors(ctx, 'continue');
      const { connection, queue, store, key } = await controlTarget(ctx, value);
      await store.delete(key);
      ctx.out(`Job processing on queue [${connection.name}:${queue}] has been resumed.`);
    });
}

async function controlTarget(ctx: CliContext, value: string) {
  const config = await ctx.config();
  const target: QueueTarget = parseQueueTarget(value, config);
  const { connection, queue } = target;
  if (connection.driver === 'sync') {
    throw new CliError(`Connection "${connection.name}" uses the ${connection.driver} driver, which has no workers to pause; name a redis or database connection.`);
  }
  const store = (await ctx.get(AtomicStores)).forConnection(connection.name);
  return { connection, queue, store, key: pausedKey(config.prefix, connection.name, queue) };
}

/**
 * The connections whose workers `restart` signals: those named, else every connection of the app that has workers,
 * except that an app whose default connection is not a redis connection signals Redis servers only when named (the
 * seed's redis connections are in every configuration; an app that runs on its database must not dial Redis).
 */
function restartConnections(config: ResolvedQueueConfig, names: string[]): ResolvedConnection[] {
  if (names.length > 0) {
    return names.map((name) => {
      const connection = config.connections[name];
      if (!connection) throw new CliError(`No connection named "${name}"; connections: ${Object.keys(config.connections).join(', ')}.`);
      if (connection.driver === 'sync') throw new CliError(`Connection "${name}" uses the sync driver, which has no workers to restart.`);
      return connection;
    });
  }
  const redisApp = config.connections[config.default]?.driver === 'redis';
  return Object.values(config.connections).filter((c) => c.driver !== 'sync' && (redisApp || c.driver !== 'redis'));
}

function targetId(target: StoreTarget): string {
  return target.kind === 'redis' ? `redis:${target.server}` : `database:${target.database}`;
}
