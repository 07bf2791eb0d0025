import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DashboardConfigError } from '../errors/dashboard.errors';
import type { DashboardAuthorizer, DashboardHttpRequest, QueueDashboardRuntimeOptions } from './dashboard-options.interface';

/** Environments where a dashboard without `authorize` is open (Horizon's `local`, and Node's `development`). */
export const OPEN_ENVIRONMENTS = ['development', 'local'];

/** The dashboard's options, checked: its path, who may enter, and its anti-forgery token. */
export interface DashboardSettings {
  /** `horizon` or `admin/queues`: no leading or trailing slash. */
  path: string;
  authorize: DashboardAuthorizer<DashboardHttpRequest> | null;
  /** The value state-changing requests must carry in `X-Queue-Dashboard-Token`. */
  token: string;
}

/** A path as routes want it: segments of letters, digits, `-`, `_`, `.`, joined by `/`. */
export function normalizeDashboardPath(path: unknown = 'horizon'): string {
  if (typeof path !== 'string') throw new DashboardConfigError('path', `must be a string such as 'horizon', got ${typeof path}`);
  const trimmed = path.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new DashboardConfigError('path', "must name a path such as 'horizon' (the dashboard cannot take over the site's root)");
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw new DashboardConfigError('path', `"${path}" must be URL path segments of letters, digits, '-', '_' or '.', such as 'admin/horizon'`);
  }
  return trimmed;
}

/**
 * The token is HMAC-SHA256(secret, path), base64url: the same on every process given the same `secret` (and
 * random per process without one). It only proves a request came from a page the dashboard served: cross-site
 * pages cannot read it (same-origin policy).
 */
export function dashboardSettings(path: string, options: QueueDashboardRuntimeOptions<never>): DashboardSettings {
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    throw new DashboardConfigError('authorize', 'must be a function (request) => boolean | Promise<boolean>');
  }
  if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret.length < 16)) {
    throw new DashboardConfigError('secret', 'must be a string of at least 16 characters (the same on every process that serves the dashboard)');
  }
  const secret = options.secret ?? randomBytes(32).toString('hex');
  return {
    path,
    authorize: (options.authorize as DashboardAuthorizer<DashboardHttpRequest> | undefined) ?? null,
    token: createHmac('sha256', secret).update(`nestjs-queue-dashboard:${path}`).digest('base64url'),
  };
}

/** Constant-time comparison of a presented token with the dashboard's. */
export function tokenMatches(presented: unknown, token: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
