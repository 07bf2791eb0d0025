import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Bus, DuplicateJobNameError, Job, JobContext, JobMiddleware, Middleware, MissingRecordError, OnFailed, OnQueueEvent,
  JobFailed, QueueConfigError, QueueModule, PayloadTooLargeError, Worker, QueueClosedError, QueueManager,
} from '../../lib';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';

const log: string[] = [];

@Injectable()
class Audit {
  record(line: string): void {
    log.push(line);
  }
}

@Injectable()
class AuditMiddleware implements JobMiddleware {
  constructor(private readonly audit: Audit) {}
  async handle(job: JobContext, next: () => Promise<void>): Promise<void> {
    this.audit.record(`before:${job.name}`);
    await next();
    this.audit.record(`after:${job.name}`);
  }
}

@Job({ unique: { id: (d: { eventId: string }) => d.eventId, for: 60 } })
@Middleware(AuditMiddleware, (d: { eventId: string }) => ({ handle: async (_j: JobContext, next: () => Promise<void>) => { log.push(`fn:${d.eventId}`); await next(); } }))
class ProcessEventData {
  async handle(data: { eventId: string }): Promise<void> {
    log.push(`handle:${data.eventId}`);
  }
}

@Job({ encrypted: true })
class SecretJob {
  async handle(data: { card: string }): Promise<void> {
    log.push(`secret:${data.card}`);
  }
}

@Job({ deleteWhenMissing: true, tries: 3 })
class UsesDeletedRecord {
  async handle(): Promise<void> {
    throw new MissingRecordError('user 5 is gone');
  }
}

@Job()
class Explodes {
  async handle(): Promise<void> {
    throw new Error('kaboom');
  }

  @OnFailed()
  failed(_: unknown, error: Error): void {
    log.push(`failed:${error.message}`);
  }
}

@Injectable()
class FailureListener {
  @OnQueueEvent(JobFailed)
  onFailed(event: JobFailed): void {
    log.push(`listener:${event.job.name}:${event.exception.message}`);
    throw new Error('a listener that throws must not break the worker');
  }
}

const KEY = 'base64:' + Buffer.alloc(32, 7).toString('base64');

describe('the module', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    log.length = 0;
    t = await createQueueApp([Audit, AuditMiddleware, ProcessEventData, SecretJob, UsesDeletedRecord, Explodes, FailureListener], { key: KEY });
  });
  afterEach(() => t.close());
  const work = () => t.worker.run({ stopWhenEmpty: true, sleep: 0 });

  it('runs middleware in order around handle: DI classes and functions of the data', async () => {
    await t.bus.dispatch(ProcessEventData, { eventId: 'e1' });
    await work();
    expect(log).toEqual(['before:ProcessEventData', 'fn:e1', 'handle:e1', 'after:ProcessEventData']);
  });

  it('sends a unique job once while its lock is held, and again after it ran', async () => {
    const first = await t.bus.dispatch(ProcessEventData, { eventId: 'e1' });
    const second = await t.bus.dispatch(ProcessEventData, { eventId: 'e1' });
    const other = await t.bus.dispatch(ProcessEventData, { eventId: 'e2' });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    expect(other).not.toBeNull();
    expect(await t.manager.connection().size('{default}')).toBe(2);
    await work();
    expect(await t.bus.dispatch(ProcessEventData, { eventId: 'e1' })).not.toBeNull();
  });

  it('keeps encrypted job data unreadable in Redis and runs it', async () => {
    await t.bus.dispatch(SecretJob, { card: '4111-1111' });
    const raw = await t.redis.lrange(`${t.prefix}queues:{default}`, 0, -1);
    expect(raw[0]).not.toContain('4111-1111');
    expect(JSON.parse(raw[0]).encrypted).toBe(true);
    await work();
    expect(log).toEqual(['secret:4111-1111']);
  });

  it('deletes a job quietly when its record is missing and deleteWhenMissing is set', async () => {
    await t.bus.dispatch(UsesDeletedRecord, {});
    await work();
    expect(await t.failed.all()).toEqual([]);
    expect(await t.manager.connection().size('{default}')).toBe(0);
  });

  it('calls @OnFailed and @OnQueueEvent listeners; a throwing listener does not stop the worker', async () => {
    await t.bus.dispatch(Explodes, {});
    await t.bus.dispatch(ProcessEventData, { eventId: 'after' });
    expect(await work()).toBe('empty');
    expect(log).toContain('failed:kaboom');
    expect(log).toContain('listener:Explodes:kaboom');
    expect(log).toContain('handle:after');
  });

  it('runs dispatchSync in this process and throws its failure after @OnFailed', async () => {
    await t.bus.dispatchSync(ProcessEventData, { eventId: 'sync' });
    expect(log).toContain('handle:sync');
    await expect(t.bus.dispatchSync(Explodes, {})).rejects.toThrow('kaboom');
    expect(log).toContain('failed:kaboom');
  });

  it('runs jobs at dispatch on the sync connection', async () => {
    await t.bus.dispatch(ProcessEventData, { eventId: 's' }).onConnection('sync');
    expect(log).toContain('handle:s');
  });

  it('dispatchIf and dispatchUnless send only when told', async () => {
    expect(await t.bus.dispatchIf(false, ProcessEventData, { eventId: 'no' })).toBeNull();
    expect(await t.bus.dispatchUnless(true, ProcessEventData, { eventId: 'no' })).toBeNull();
    expect(await t.bus.dispatchIf(true, ProcessEventData, { eventId: 'yes' })).not.toBeNull();
    expect(await t.manager.connection().size('{default}')).toBe(1);
  });

  it('refuses a payload over maxPayloadBytes', async () => {
    const small = await createQueueApp([ProcessEventData, Audit, AuditMiddleware], { maxPayloadBytes: 200 });
    try {
      await expect(small.bus.dispatch(ProcessEventData, { eventId: 'x'.repeat(300) })).rejects.toThrow(PayloadTooLargeError);
    } finally {
      await small.close();
    }
  });
});

describe('module start-up', () => {
  it('fails on a bad configuration, naming the key', async () => {
    const compile = Test.createTestingModule({
      imports: [QueueModule.forRoot({ connections: { redis: { driver: 'redis', connection: 'nope' } } })],
    }).compile();
    await expect(compile).rejects.toThrow(QueueConfigError);
    await expect(
      Test.createTestingModule({ imports: [QueueModule.forRoot({ connections: { redis: { driver: 'redis', retryAfter: -1 } } })] }).compile(),
    ).rejects.toThrow('connections.redis.retryAfter');
  });

  it('starts with afterCommit: true on a connection', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRoot({
        redis: { queue: { url: testRedisUrl() } }, prefix: uniquePrefix(), failed: { driver: 'redis' },
        connections: { redis: { driver: 'redis', afterCommit: true } },
      })],
    }).compile();
    expect(moduleRef.get(QueueManager).settings('redis')).toMatchObject({ afterCommit: true });
    await moduleRef.close();
  });

  it('fails at start-up when an encrypted job has no key', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ redis: { queue: { url: testRedisUrl() } }, prefix: uniquePrefix() })],
      providers: [SecretJob],
    }).compile();
    let error: unknown;
    try {
      await moduleRef.init();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueueConfigError);
    expect(String(error)).toContain('SecretJob is an encrypted job but no key is configured');
  });

  it('fails when two jobs share one name', async () => {
    @Job({ name: 'Same' })
    class A {
      async handle(): Promise<void> {}
    }
    @Job({ name: 'Same' })
    class B {
      async handle(): Promise<void> {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ redis: { queue: { url: testRedisUrl() } }, prefix: uniquePrefix() })],
      providers: [A, B],
    }).compile();
    let error: unknown;
    try {
      await moduleRef.init();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DuplicateJobNameError);
  });

  it('configures itself through forRootAsync with a factory and closes every Redis connection on close', async () => {
    @Injectable()
    class Settings {
      url = testRedisUrl();
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        QueueModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (s: Settings) => ({ redis: { queue: { url: s.url }, default: { url: s.url } }, prefix: uniquePrefix(), failed: { driver: 'redis' } }),
        }),
      ],
      providers: [ProcessEventData, Audit, AuditMiddleware],
    }).compile();
    const app = await moduleRef.init();
    await app.get(Bus).dispatch(ProcessEventData, { eventId: 'async' });
    expect(await app.get(Worker).run({ connection: 'redis-priority', queue: 'priority', once: true, blockFor: undefined, sleep: 0, memory: 0 } as never)).toBe('once');
    const connections = app.get(RedisConnections);
    const opened = [...(connections as unknown as { shared: Map<string, { status: string }> }).shared.values()];
    expect(opened.length).toBeGreaterThan(0);
    await app.close();
    // QUIT has been answered; the socket's 'end' follows within a tick or two.
    await waitUntil(() => opened.every((c) => c.status === 'end'), 'every Redis client to end', 2000);
    expect(() => connections.get('queue')).toThrow(QueueClosedError);
  });
});
