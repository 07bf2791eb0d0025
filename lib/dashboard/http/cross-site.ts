import type { IncomingHttpHeaders } from 'node:http';

/**
 * Why a state-changing request looks cross-site, or null. A browser names the page's origin in `Origin` on every
 * POST and DELETE: it must be this host (scheme aside, so TLS ending at a proxy does not matter). Without Origin
 * (a script, curl) `Sec-Fetch-Site`, when sent, must say same-origin. The token check comes on top.
 */
export function crossSiteProblem(headers: IncomingHttpHeaders): string | null {
  const host = headers.host;
  const origin = headers.origin;
  if (origin !== undefined) {
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (originHost === null || originHost === '' || host === undefined || originHost.toLowerCase() !== host.toLowerCase()) {
      return `its Origin (${origin}) is not the dashboard's own (${host ?? 'no Host header'})`;
    }
    return null;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `it comes from another site (Sec-Fetch-Site: ${site})`;
  return null;
}
