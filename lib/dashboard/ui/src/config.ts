/** What the server's HTML shell puts on window before loading the bundle. */
export interface DashboardConfig {
  /** The dashboard's own path, e.g. `/horizon` (no trailing slash). */
  basePath: string;
  /** The JSON API's base, e.g. `/horizon/api`. */
  apiBase: string;
  /** Sent as `X-Queue-Dashboard-Token` on every state-changing request. */
  token: string;
}

declare global {
  interface Window {
    QueueDashboard?: Partial<DashboardConfig>;
  }
}

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

export function readConfig(): DashboardConfig {
  const given = window.QueueDashboard ?? {};
  const basePath = trimSlash(given.basePath ?? '/horizon');
  return { basePath, apiBase: trimSlash(given.apiBase ?? `${basePath}/api`), token: given.token ?? '' };
}

export const config: DashboardConfig = readConfig();
