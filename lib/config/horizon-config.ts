import 'reflect-metadata';
import { QueueConfigError } from '../errors/config.errors';
import { JOB_METADATA } from '../queue.constants';
import type { ResolvedConnection, ResolvedHorizon } from './resolved-config.interface';
import { checkKnownKeys, describeValue, requireNumber, requireObject, requireOneOf } from './config-validator';

/** Horizon's defaults (config/horizon.php), in the units Horizon uses: trim in minutes, snapshots every 5 minutes. */
const TRIM_DEFAULTS = { recent: 60, pending: 60, completed: 60, recentFailed: 10080, failed: 10080, monitored: 10080 };
const SNAPSHOT_EVERY_DEFAULT = 300;
const TRIM_SNAPSHOTS_DEFAULT = 24;

/** Validates `horizon` (waits, trim, silenced, metrics, records); every error names the key at fault. */
export function resolveHorizon(value: unknown, connections: Readonly<Record<string, ResolvedConnection>>): ResolvedHorizon {
  const entry = value === undefined ? {} : requireObject(value, 'horizon', 'an object such as { waits: { "redis:default": 60 } }');
  checkKnownKeys(entry, ['waits', 'trim', 'silenced', 'metrics', 'records'], 'horizon');
  const records =
    entry.records === undefined ? true : requireOneOf<boolean>(entry.records, [true, false], 'horizon.records', ' (false stops writing job records for the dashboard)');

  const waits: Record<string, number> = {};
  if (entry.waits !== undefined) {
    const raw = requireObject(entry.waits, 'horizon.waits', "an object of 'connection:queue' to seconds");
    for (const [target, seconds] of Object.entries(raw)) {
      const key = `horizon.waits.${target}`;
      const colon = target.indexOf(':');
      const connection = colon > 0 ? target.slice(0, colon) : '';
      if (colon <= 0 || colon === target.length - 1) throw new QueueConfigError(key, "name a queue as 'connection:queue', e.g. 'redis:default'");
      if (!Object.prototype.hasOwnProperty.call(connections, connection)) {
        throw new QueueConfigError(key, `no connection named "${connection}" is defined under "connections"; defined: ${Object.keys(connections).join(', ')}`);
      }
      waits[target] = requireNumber(seconds, key, { min: 0 });
    }
  }

  const trim = { ...TRIM_DEFAULTS };
  if (entry.trim !== undefined) {
    const raw = requireObject(entry.trim, 'horizon.trim', 'an object of minutes per list');
    checkKnownKeys(raw, Object.keys(TRIM_DEFAULTS), 'horizon.trim');
    for (const name of Object.keys(TRIM_DEFAULTS) as (keyof typeof TRIM_DEFAULTS)[]) {
      if (raw[name] !== undefined) trim[name] = requireNumber(raw[name], `horizon.trim.${name}`, { min: 0 });
    }
  }

  const silenced: string[] = [];
  if (entry.silenced !== undefined) {
    if (!Array.isArray(entry.silenced)) {
      throw new QueueConfigError('horizon.silenced', `must be an array of job classes or job names, got ${describeValue(entry.silenced)}`);
    }
    entry.silenced.forEach((item: unknown, index) => silenced.push(silencedName(item, `horizon.silenced.${index}`)));
  }

  let snapshotEvery = SNAPSHOT_EVERY_DEFAULT;
  const trimSnapshots = { job: TRIM_SNAPSHOTS_DEFAULT, queue: TRIM_SNAPSHOTS_DEFAULT };
  if (entry.metrics !== undefined) {
    const raw = requireObject(entry.metrics, 'horizon.metrics', 'an object such as { snapshotEvery: 300, trimSnapshots: { job: 24, queue: 24 } }');
    checkKnownKeys(raw, ['snapshotEvery', 'trimSnapshots'], 'horizon.metrics');
    if (raw.snapshotEvery !== undefined) snapshotEvery = requireNumber(raw.snapshotEvery, 'horizon.metrics.snapshotEvery', { min: 0, exclusive: true });
    if (raw.trimSnapshots !== undefined) {
      const t = requireObject(raw.trimSnapshots, 'horizon.metrics.trimSnapshots', 'an object such as { job: 24, queue: 24 }');
      checkKnownKeys(t, ['job', 'queue'], 'horizon.metrics.trimSnapshots');
      if (t.job !== undefined) trimSnapshots.job = requireNumber(t.job, 'horizon.metrics.trimSnapshots.job', { min: 1, integer: true });
      if (t.queue !== undefined) trimSnapshots.queue = requireNumber(t.queue, 'horizon.metrics.trimSnapshots.queue', { min: 1, integer: true });
    }
  }
  return { waits, trim, silenced, metrics: { snapshotEvery, trimSnapshots }, records };
}

function silencedName(item: unknown, key: string): string {
  if (typeof item === 'string' && item.trim() !== '') return item;
  if (typeof item === 'function') {
    const options = Reflect.getMetadata(JOB_METADATA, item) as { name?: string } | undefined;
    return options?.name ?? item.name;
  }
  throw new QueueConfigError(key, `must be a job class or a job name, got ${describeValue(item)}`);
}

/** The environment `supervise` runs without `--environment`: NODE_ENV, else 'production' (as Horizon's app env). */
export function defaultSupervisorEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  return env.NODE_ENV && env.NODE_ENV.trim() !== '' ? env.NODE_ENV.trim() : 'production';
}
