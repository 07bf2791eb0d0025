import { InvalidArgumentError } from 'commander';
import type { ResolvedConnection, ResolvedQueueConfig } from '../config/resolved-config.interface';
import { CliError } from './cli.errors';
import { queueName } from '../config/queue-names';

/** Commander option parsers: a bad value becomes commander's one-line "argument ... is invalid" error. */

/** A whole number of 0 or more (`--tries=3`). */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected a whole number of 0 or more.');
  return n;
}

/** A whole number of 1 or more (`--concurrency=4`). */
export function positiveWholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Expected a whole number of 1 or more.');
  return n;
}

/** A number of 0 or more, fractions allowed (`--sleep=0.5`). */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('Expected a number of 0 or more.');
  return n;
}

/** Seconds per attempt, one number or a comma list (`--backoff=10,30,60`). */
export function secondsList(value: string): number[] {
  const parts = value.split(',');
  const list = parts.map((p) => Number(p.trim()));
  if (parts.some((p) => p.trim() === '') || list.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new InvalidArgumentError('Expected seconds of 0 or more, one number or a comma list such as 10,30,60.');
  }
  return list;
}

/** One `connection:queue` target; a bare queue name is on the default connection. */
export interface QueueTarget {
  connection: ResolvedConnection;
  queue: string;
}

/** Parses `redis:default` (or `default`) against the configuration; unknown connections fail with the known ones. */
export function parseQueueTarget(value: string, config: ResolvedQueueConfig): QueueTarget {
  const text = value.trim();
  const colon = text.indexOf(':');
  const connectionName = colon >= 0 ? text.slice(0, colon).trim() : config.default;
  const queue = colon >= 0 ? text.slice(colon + 1).trim() : text;
  if (!connectionName || !queue) {
    throw new CliError(`"${value}" is not a queue: write connection:queue, e.g. redis:default.`);
  }
  const connection = config.connections[connectionName];
  if (!connection) {
    throw new CliError(`No connection named "${connectionName}" in "${value}"; configured connections: ${Object.keys(config.connections).join(', ')}.`);
  }
  return { connection, queue: queueName(queue) };
}

/** A comma list of `connection:queue` targets (`monitor redis:default,redis:high`). */
export function parseQueueTargets(value: string, config: ResolvedQueueConfig): QueueTarget[] {
  const parts = value.split(',');
  if (parts.some((p) => p.trim() === '')) throw new CliError(`"${value}" has an empty entry: write connection:queue pairs separated by commas.`);
  return parts.map((p) => parseQueueTarget(p, config));
}

/** The named connection (or the default one); unknown names fail with the known ones. */
export function connectionNamed(name: string | undefined, config: ResolvedQueueConfig): ResolvedConnection {
  const key = name ?? config.default;
  const connection = config.connections[key];
  if (!connection) throw new CliError(`No connection named "${key}"; configured connections: ${Object.keys(config.connections).join(', ')}.`);
  return connection;
}
