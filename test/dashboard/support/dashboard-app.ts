import 'reflect-metadata';
import { DynamicModule, INestApplication, Provider } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import Redis from 'ioredis';
import { Bus, FailedJobs, QueueManager, QueueModule, QueueModuleOptions, Worker } from '../../../lib';
import { DASHBOARD_TOKEN_HEADER } from '../../../lib/dashboard';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../support/test-redis';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

export interface DashboardTestApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  bus: Bus;
  worker: Worker;
  failed: FailedJobs;
  manager: QueueManager;
  prefix: string;
  redis: Redis;
  /** The dashboard's token, read from its page shell. */
  token(path?: string): Promise<string>;
  /** fetch() against the app. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** GET of a JSON route, expecting 200. */
  json<T>(path: string): Promise<T>;
  /** A same-origin POST/DELETE with the token, as the UI sends it. */
  send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export interface DashboardAppOptions {
  queue?: QueueModuleOptions;
  providers?: Provider[];
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  globalPrefix?: string;
}

/**
 * A real Nest HTTP app on Express or Fastify, listening on a free port, with QueueModule on the suite's Redis under a
 * prefix of its own and the dashboard module given. close() stops it and deletes its keys.
 */
export async function startDashboardApp(platform: Platform, dashboard: DynamicModule, options: DashboardAppOptions = {}): Promise<DashboardTestApp> {
  const prefix = options.queue?.prefix ?? uniquePrefix('dash');
  const redisUrl = testRedisUrl();
  const config: QueueModuleOptions = { redis: { queue: { url: redisUrl }, default: { url: redisUrl } }, failed: { driver: 'redis' }, ...options.queue, prefix };
  let builder = Test.createTestingModule({ imports: [QueueModule.forRoot(config), dashboard], providers: options.providers ?? [] });
  if (options.override) builder = options.override(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), { logger: false });
  if (options.globalPrefix) app.setGlobalPrefix(options.globalPrefix);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const request = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  const tokens = new Map<string, string>();
  const token = async (path = '/horizon') => {
    const known = tokens.get(path);
    if (known) return known;
    const html = await (await request(path)).text();
    const match = /window\.QueueDashboard = (\{.*?\});/.exec(html);
    if (!match) throw new Error(`no dashboard globals in the page at ${path}: ${html.slice(0, 300)}`);
    const value = (JSON.parse(match[1]) as { token: string }).token;
    tokens.set(path, value);
    return value;
  };
  return {
    app,
    url,
    bus: app.get(Bus),
    worker: app.get(Worker),
    failed: app.get(FailedJobs),
    manager: app.get(QueueManager),
    prefix,
    redis,
    token,
    request,
    async json<T>(path: string): Promise<T> {
      const res = await request(path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    async send(method, path, body) {
      const base = path.slice(0, path.indexOf('/api/'));
      return request(path, {
        method,
        headers: { origin: url, [DASHBOARD_TOKEN_HEADER]: await token(base), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    },
    async close() {
      await app.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Sets NODE_ENV for the duration of `fn` (the dashboard reads it per request). */
export async function withNodeEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_ENV;
  if (value === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
}
