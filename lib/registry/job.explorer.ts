import { Inject, Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, Reflector, ContextIdFactory } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import {
  JOB_METADATA, MIDDLEWARE_METADATA, ON_FAILED_METADATA, ON_QUEUE_EVENT_METADATA, ON_QUEUE_METADATA, QUEUE_CONFIG,
} from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import type { JobOptions } from '../decorators/job-options.interface';
import type { OnQueueMetadata } from '../decorators/on-queue.decorator';
import type { MiddlewareItem } from '../decorators/middleware.decorator';
import type { JobMiddleware } from '../worker/job-context.interface';
import type { QueueEventClass } from '../events/queue-event.classes';
import { QueueEvents } from '../events/queue-events.service';
import { QueueConfigError } from '../errors';
import { JobRegistry } from './job.registry';
import type { JobDefinition, JobHandlerInstance } from './job-definition';

/** Finds @Job providers and @OnQueueEvent methods with Nest's DiscoveryService, as @nestjs/schedule does. */
@Injectable()
export class JobExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly registry: JobRegistry,
    private readonly events: QueueEvents,
    @Inject(QUEUE_CONFIG) private readonly config: ResolvedQueueConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const target = wrapper.metatype as Type<unknown> | undefined;
      if (!target || typeof target !== 'function') continue;
      const options = this.reflector.get<JobOptions<unknown> | undefined>(JOB_METADATA, target);
      if (options) this.registry.add(await this.define(wrapper, target, options));
      if (wrapper.isDependencyTreeStatic() && wrapper.instance && typeof wrapper.instance === 'object') {
        this.bindEventListeners(wrapper.instance as Record<string, unknown>);
      }
    }
  }

  private async define(wrapper: InstanceWrapper, target: Type<unknown>, options: JobOptions<unknown>): Promise<JobDefinition> {
    const name = options.name ?? target.name;
    validateJobOptions(name, options);
    if (options.encrypted && this.config.keys.length === 0) {
      throw new QueueConfigError('key', `${name} is an encrypted job but no key is configured. Set QUEUE_KEY or "key" (32 bytes as 'base64:...' or 64 hex digits).`);
    }
    const onQueue = this.reflector.get<OnQueueMetadata | undefined>(ON_QUEUE_METADATA, target);
    const middleware = this.reflector.get<MiddlewareItem<unknown>[] | undefined>(MIDDLEWARE_METADATA, target) ?? [];
    const failedMethod = Reflect.getMetadata(ON_FAILED_METADATA, target) as string | undefined;
    const middlewareInstances = new Map<Type<JobMiddleware>, JobMiddleware>();
    for (const item of middleware) {
      if (isMiddlewareClass(item) && !middlewareInstances.has(item)) {
        middlewareInstances.set(item, await this.resolveClass(item));
      }
    }
    const isStatic = wrapper.isDependencyTreeStatic();
    const moduleRef = this.moduleRef;
    const instance = wrapper.instance as JobHandlerInstance | undefined;
    if (isStatic && (!instance || typeof instance.handle !== 'function')) {
      throw new QueueConfigError(`@Job ${name}`, `${target.name} has no handle(data, job) method`);
    }
    return {
      name,
      target,
      options,
      backoff: options.backoff === undefined ? undefined : ([] as number[]).concat(options.backoff),
      queue: onQueue?.queue,
      connection: onQueue?.connection,
      middleware,
      failedMethod,
      middlewareInstances,
      resolve: isStatic
        ? async () => instance as JobHandlerInstance
        : async () => (await moduleRef.resolve(target, ContextIdFactory.create(), { strict: false })) as JobHandlerInstance,
    };
  }

  private async resolveClass(item: Type<JobMiddleware>): Promise<JobMiddleware> {
    try {
      return this.moduleRef.get(item, { strict: false });
    } catch {
      return this.moduleRef.create(item);
    }
  }

  private bindEventListeners(instance: Record<string, unknown>): void {
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const fn = instance[method];
      if (typeof fn !== 'function') continue;
      const events = Reflect.getMetadata(ON_QUEUE_EVENT_METADATA, fn) as QueueEventClass[] | undefined;
      if (!events) continue;
      for (const event of events) this.events.on(event, (e) => (fn as (e: unknown) => unknown).call(instance, e));
    }
  }
}

function isMiddlewareClass(item: MiddlewareItem<unknown>): item is Type<JobMiddleware> {
  return typeof item === 'function' && typeof (item as { prototype?: { handle?: unknown } }).prototype?.handle === 'function';
}

function validateJobOptions(name: string, o: JobOptions<unknown>): void {
  const where = (k: string) => `@Job(${name}).${k}`;
  const nonNegative = (k: keyof JobOptions<unknown>, v: unknown) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new QueueConfigError(where(k), `must be a number of 0 or more, got ${JSON.stringify(v)}`);
    }
  };
  nonNegative('tries', o.tries);
  nonNegative('timeout', o.timeout);
  nonNegative('maxExceptions', o.maxExceptions);
  if (o.backoff !== undefined) {
    const list = ([] as unknown[]).concat(o.backoff);
    if (list.length === 0 || list.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new QueueConfigError(where('backoff'), 'must be seconds: a number of 0 or more, or a non-empty array of them');
    }
  }
  if (o.unique?.for !== undefined) nonNegative('unique' as keyof JobOptions<unknown>, o.unique.for);
  if (o.unique?.until !== undefined && o.unique.until !== 'processed' && o.unique.until !== 'processing') {
    throw new QueueConfigError(where('unique.until'), "must be 'processed' or 'processing'");
  }
}
