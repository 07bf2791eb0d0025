import { dirname } from 'node:path';
import type { Knex } from 'knex';
import { MissingPeerDependencyError } from '../errors';

export type KnexFactory = (config: Knex.Config) => Knex;

/**
 * knex, and the driver package `driver` (when given) that knex will require for the configured client, or a
 * MissingPeerDependencyError naming every package to install for `feature`. Both are optional peers: loaded only
 * by the feature that is configured to use them.
 */
export function loadKnex(driver: string | undefined, feature: string): KnexFactory {
  let loaded: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('knex');
  } catch (error) {
    if (!isModuleNotFound(error, 'knex')) throw error;
    throw new MissingPeerDependencyError(driver && !isResolvable(driver) ? ['knex', driver] : ['knex'], feature);
  }
  if (driver && !isResolvable(driver)) throw new MissingPeerDependencyError([driver], feature);
  const module = loaded as KnexFactory & { knex?: KnexFactory; default?: KnexFactory };
  return module.knex ?? module.default ?? module;
}

/** Whether `name` can be required from where knex requires it, or from here. */
function isResolvable(name: string): boolean {
  const attempts: (() => string)[] = [() => require.resolve(name, { paths: [dirname(require.resolve('knex'))] }), () => require.resolve(name)];
  return attempts.some((attempt) => {
    try {
      attempt();
      return true;
    } catch {
      return false;
    }
  });
}

function isModuleNotFound(error: unknown, name: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && error.message.includes(`'${name}'`);
}
