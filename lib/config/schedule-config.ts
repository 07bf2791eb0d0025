import type { Type } from '@nestjs/common';
import { QueueConfigError } from '../errors';
import { assertPlainJson } from '../payload/json-data.validator';
import { CronSchedule } from './cron-schedule';
import type { ResolvedScheduleEntry, ScheduleOptions } from './schedule-options.interface';

export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';
const OPTION_KEYS = ['data', 'timezone', 'queue', 'connection'];
const ENTRY_KEYS = ['job', 'cron', ...OPTION_KEYS];

/** A schedule's cron, timezone, data, queue and connection, checked; errors name `where.key`. */
export interface CheckedSchedule {
  cron: string;
  timezone: string;
  data: unknown;
  queue?: string;
  connection?: string;
  schedule: CronSchedule;
}

/**
 * Checks one schedule (a `@Scheduled` or a config entry). `connections` are the configured connection names;
 * a connection not among them is refused.
 */
export function checkSchedule(where: string, cron: unknown, options: unknown, connections: readonly string[]): CheckedSchedule {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new QueueConfigError(where, `the options must be an object of ${OPTION_KEYS.join(', ')}, got ${describe(options)}`);
  }
  const o = options as ScheduleOptions & Record<string, unknown>;
  if (typeof cron !== 'string' || cron.trim() === '') {
    throw new QueueConfigError(`${where}.cron`, `must be a cron expression such as '*/5 * * * *' (or every.minutes(5)), got ${describe(cron)}`);
  }
  const timezone = o.timezone ?? DEFAULT_SCHEDULE_TIMEZONE;
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    throw new QueueConfigError(`${where}.timezone`, `must be an IANA time zone name such as 'Europe/Amsterdam', got ${describe(timezone)}`);
  }
  let schedule: CronSchedule;
  try {
    schedule = new CronSchedule(cron.trim(), timezone);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    const key = /time zone/.test(message) ? 'timezone' : 'cron';
    throw new QueueConfigError(
      `${where}.${key}`,
      key === 'cron'
        ? `${JSON.stringify(cron)} is not a cron expression: ${message}. Write 5 fields (minute hour day month weekday) or 6 with seconds first.`
        : message,
    );
  }
  if (schedule.next(new Date()) === null) {
    throw new QueueConfigError(`${where}.cron`, `${JSON.stringify(cron)} never comes due`);
  }
  for (const key of ['queue', 'connection'] as const) {
    const value = o[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new QueueConfigError(`${where}.${key}`, `must be a non-empty string, got ${describe(value)}`);
    }
  }
  if (o.connection !== undefined && !connections.includes(o.connection)) {
    throw new QueueConfigError(`${where}.connection`, `"${o.connection}" is not a configured connection (known: ${connections.join(', ')})`);
  }
  const data = o.data === undefined ? {} : o.data;
  try {
    assertPlainJson(data, 'data');
  } catch (error) {
    throw new QueueConfigError(`${where}.data`, error instanceof Error ? error.message : String(error));
  }
  const unknown = Object.keys(o).filter((k) => !OPTION_KEYS.includes(k) && !(where.startsWith('schedule[') && ENTRY_KEYS.includes(k)));
  if (unknown.length > 0) {
    throw new QueueConfigError(`${where}.${unknown[0]}`, `is not a schedule option (known: ${(where.startsWith('schedule[') ? ENTRY_KEYS : OPTION_KEYS).join(', ')})`);
  }
  return { cron: cron.trim(), timezone, data, queue: o.queue, connection: o.connection, schedule };
}

/** Validates `QueueModule.forRoot({ schedule })`: an array of `{ job, cron, data?, timezone?, queue?, connection? }`. */
export function resolveScheduleConfig(value: unknown, connections: readonly string[]): ResolvedScheduleEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new QueueConfigError('schedule', `must be an array of { job, cron, data?, timezone?, queue?, connection? }, got ${describe(value)}`);
  }
  return value.map((entry: unknown, i) => {
    const where = `schedule[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new QueueConfigError(where, `must be an object { job, cron, ... }, got ${describe(entry)}`);
    }
    const e = entry as Record<string, unknown>;
    const job = e.job;
    if (typeof job !== 'function' && (typeof job !== 'string' || job.trim() === '')) {
      throw new QueueConfigError(`${where}.job`, `must be a @Job class or its registered name, got ${describe(job)}`);
    }
    const checked = checkSchedule(where, e.cron, e, connections);
    return {
      job: job as Type<unknown> | string,
      cron: checked.cron,
      timezone: checked.timezone,
      data: checked.data,
      queue: checked.queue,
      connection: checked.connection,
      source: where,
    };
  });
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
