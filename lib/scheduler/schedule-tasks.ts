import { createHash } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { JobRegistry } from '../registry/job.registry';
import { QueueConfigError } from '../errors';
import { SCHEDULED_METADATA, ScheduledMetadata } from '../decorators/scheduled.decorator';
import { checkSchedule, CheckedSchedule } from '../config/schedule-config';
import type { ResolvedScheduleEntry } from '../config/schedule-options.interface';
import type { ScheduledTask } from './scheduled-task.interface';

/**
 * Every scheduled task of the application: the `@Scheduled` decorators of registered `@Job` classes, then the
 * `schedule` config entries. Built and checked when the application starts (after the job explorer), so a bad
 * schedule fails start-up with an error naming it.
 */
@Injectable()
export class ScheduleTasks implements OnApplicationBootstrap {
  private list: ScheduledTask[] | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registry: JobRegistry,
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.all();
  }

  /** The tasks, in declaration order. */
  all(): readonly ScheduledTask[] {
    this.list ??= this.build();
    return this.list;
  }

  find(id: string): ScheduledTask | undefined {
    return this.all().find((task) => task.id === id);
  }

  private build(): ScheduledTask[] {
    const connections = Object.keys(this.config.connections);
    const tasks: ScheduledTask[] = [];
    const add = (jobName: string, jobClass: Type<unknown>, source: string, checked: CheckedSchedule) => {
      const task = makeTask(jobName, jobClass, source, checked);
      const twin = tasks.find((t) => t.id === task.id);
      if (twin) {
        throw new QueueConfigError(source, `schedules ${jobName} exactly as ${twin.source} does (same cron, timezone, data, queue and connection); remove one`);
      }
      tasks.push(task);
    };

    this.refuseScheduledWithoutJob();
    for (const definition of this.registry.all()) {
      const entries = (Reflect.getOwnMetadata(SCHEDULED_METADATA, definition.target) as ScheduledMetadata[] | undefined) ?? [];
      entries.forEach((entry, i) => {
        const source = `@Scheduled(${definition.target.name})${entries.length > 1 ? `#${i + 1}` : ''}`;
        add(definition.name, definition.target, source, checkSchedule(source, entry.cron, entry.options, connections));
      });
    }
    for (const entry of this.config.schedule ?? []) {
      const definition =
        typeof entry.job === 'string'
          ? this.registry.byJobName(entry.job)
          : this.registry.has(entry.job)
            ? this.registry.forClass(entry.job)
            : undefined;
      if (!definition) {
        const name = typeof entry.job === 'string' ? `"${entry.job}"` : entry.job.name;
        throw new QueueConfigError(
          `${entry.source}.job`,
          `${name} is not a registered job: give the class @Job() and list it among a module's providers (known: ${this.registry.all().map((d) => d.name).join(', ') || 'none'})`,
        );
      }
      add(definition.name, definition.target, entry.source, checkSchedule(entry.source, entry.cron, { ...pick(entry) }, connections));
    }
    return tasks;
  }

  private refuseScheduledWithoutJob(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const target = wrapper.metatype as Type<unknown> | undefined;
      if (!target || typeof target !== 'function') continue;
      if (Reflect.getOwnMetadata(SCHEDULED_METADATA, target) !== undefined && !this.registry.has(target)) {
        throw new QueueConfigError(`@Scheduled(${target.name})`, `${target.name} is not a @Job: add @Job() to the class so the scheduler can dispatch it`);
      }
    }
  }
}

function pick(entry: ResolvedScheduleEntry) {
  const out: Record<string, unknown> = { data: entry.data, timezone: entry.timezone };
  if (entry.queue !== undefined) out.queue = entry.queue;
  if (entry.connection !== undefined) out.connection = entry.connection;
  return out;
}

function makeTask(jobName: string, jobClass: Type<unknown>, source: string, c: CheckedSchedule): ScheduledTask {
  const hash = createHash('sha1')
    .update(JSON.stringify([c.cron, c.timezone, c.data, c.queue ?? null, c.connection ?? null]))
    .digest('hex')
    .slice(0, 12);
  return Object.freeze({
    id: `${jobName}:${hash}`,
    jobName,
    jobClass,
    cron: c.cron,
    timezone: c.timezone,
    data: c.data,
    queue: c.queue,
    connection: c.connection,
    source,
    schedule: c.schedule,
  });
}
