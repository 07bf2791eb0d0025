import type { IncomingHttpHeaders } from 'node:http';
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';

/**
 * What every platform's request has (Express's `Request` and Fastify's `FastifyRequest` both do). `authorize`
 * receives the platform's own request object: type it as yours with `forRoot<Request>({ ... })`.
 */
export interface DashboardHttpRequest {
  headers: IncomingHttpHeaders;
  method?: string;
  url?: string;
}

export type DashboardAuthorizer<TRequest = DashboardHttpRequest> = (request: TRequest) => boolean | Promise<boolean>;

export interface QueueDashboardOptions<TRequest = DashboardHttpRequest> {
  /** Where the dashboard lives: pages under `/<path>`, the API under `/<path>/api` (default `horizon`). */
  path?: string;
  /**
   * Who may see the dashboard. Without it, every page and API route answers 403 unless NODE_ENV is `development`
   * or `local`; with it, only requests it accepts get in, in every environment.
   */
  authorize?: DashboardAuthorizer<TRequest>;
  /**
   * The secret the dashboard's anti-forgery token is derived from (HMAC-SHA256). Default: random per process, so
   * set the same secret on every process when several serve the dashboard behind one address.
   */
  secret?: string;
}

/** What `forRootAsync`'s factory gives: everything but `path`, which names routes and so is known at import time. */
export type QueueDashboardRuntimeOptions<TRequest = DashboardHttpRequest> = Omit<QueueDashboardOptions<TRequest>, 'path'>;

export interface QueueDashboardAsyncOptions<TRequest = DashboardHttpRequest> extends Pick<ModuleMetadata, 'imports'> {
  /** As `forRoot`'s `path` (default `horizon`). */
  path?: string;
  useFactory: (...args: never[]) => QueueDashboardRuntimeOptions<TRequest> | Promise<QueueDashboardRuntimeOptions<TRequest>>;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}
