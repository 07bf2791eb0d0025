import type { QueueModuleOptions } from '../../../lib';

/**
 * The seed's config/horizon.php 'environments', unchanged (camelCase keys): `nestjs-queue supervise
 * --environment=production` runs the two production supervisors, `--environment=local` the local one.
 */
export const HORIZON_ENVIRONMENTS: NonNullable<QueueModuleOptions['supervisors']> = {
  production: {
    'supervisor-1': {
      connection: 'redis',
      queue: ['critical', 'high', 'default'],
      balance: 'auto',
      maxProcesses: 10,
      minProcesses: 1,
      balanceMaxShift: 1,
      balanceCooldown: 3,
      memory: 128,
      tries: 3,
      timeout: 90,
      nice: 0,
    },
    'long-running': {
      connection: 'redis-long',
      queue: ['exports', 'imports'],
      balance: 'simple',
      processes: 3,
      memory: 256,
      tries: 1,
      timeout: 600,
    },
  },
  local: {
    'supervisor-1': {
      connection: 'redis',
      queue: ['critical', 'high', 'default', 'low'],
      balance: 'simple',
      processes: 3,
      tries: 1,
    },
  },
};
