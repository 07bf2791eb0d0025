import { Get, Header, Inject, NotFoundException, Param, Query, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DASHBOARD_OPTIONS } from '../dashboard.constants';
import { DashboardAssets, pickEncoding } from '../dashboard-assets';
import type { DashboardHttpRequest } from '../dashboard-options.interface';
import type { DashboardSettings } from '../dashboard-settings';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';
import { pageShell } from '../page-shell';

/** Paths of the built UI's own router never start with these (they are the server's). */
const SERVER_SEGMENTS = new Set(['api', 'assets']);

/**
 * `GET /<path>` and any client route below it (up to four segments: Horizon's deepest is /metrics/:type/:slug)
 * answer the page shell; `GET /<path>/assets/:file` serves the built UI.
 */
@UseGuards(DashboardAccessGuard)
export class PageController {
  constructor(
    @Inject(DASHBOARD_OPTIONS) private readonly settings: DashboardSettings,
    private readonly assets: DashboardAssets,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get('assets/:file')
  asset(
    @Param('file') file: string,
    @Query('v') version: unknown,
    @Req() request: DashboardHttpRequest & { headers?: Record<string, string | string[] | undefined> },
    @Res({ passthrough: true }) response: unknown,
  ): StreamableFile {
    const found = this.assets.get(file);
    if (!found) throw new NotFoundException(`The dashboard has no asset "${file}".`);
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Content-Type', found.contentType);
    // A URL naming the content's version (or a chunk whose name holds its hash) never changes; any other must be revalidated.
    adapter.setHeader(response, 'Cache-Control', version === found.version || found.hashedName ? 'public, max-age=31536000, immutable' : 'no-cache');
    adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    adapter.setHeader(response, 'Vary', 'Accept-Encoding');
    const encoding = pickEncoding(found, request.headers?.['accept-encoding']);
    const body = encoding ? found.encoded[encoding]! : found.body;
    if (encoding) adapter.setHeader(response, 'Content-Encoding', encoding);
    return new StreamableFile(body, { type: found.contentType, length: body.length });
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  root(@Req() request: DashboardHttpRequest): string {
    return this.page(request, 0);
  }

  @Get(':a')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  one(@Req() request: DashboardHttpRequest, @Param('a') a: string): string {
    return this.page(request, 1, a);
  }

  @Get(':a/:b')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  two(@Req() request: DashboardHttpRequest, @Param('a') a: string): string {
    return this.page(request, 2, a);
  }

  @Get(':a/:b/:c')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  three(@Req() request: DashboardHttpRequest, @Param('a') a: string): string {
    return this.page(request, 3, a);
  }

  @Get(':a/:b/:c/:d')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  four(@Req() request: DashboardHttpRequest, @Param('a') a: string): string {
    return this.page(request, 4, a);
  }

  /** The shell, with basePath read from the URL (so a global prefix or a proxy's mount point is kept). */
  private page(request: DashboardHttpRequest, depth: number, first?: string): string {
    if (first !== undefined && SERVER_SEGMENTS.has(first)) throw new NotFoundException(`No dashboard route ${request.url ?? ''}`);
    const basePath = basePathOf(request, depth, this.settings.path);
    return pageShell(
      { basePath, apiBase: `${basePath}/api`, token: this.settings.token },
      { js: this.assets.version('app.js'), css: this.assets.version('app.css'), preload: this.assets.preloads() },
    );
  }
}

/** The URL's path without the client route's `depth` last segments (and without a trailing slash). */
function basePathOf(request: DashboardHttpRequest & { originalUrl?: string }, depth: number, fallback: string): string {
  const url = request.originalUrl ?? request.url ?? `/${fallback}`;
  const path = url.split('?')[0].replace(/\/+$/, '');
  const segments = path.split('/');
  const base = segments.slice(0, segments.length - depth).join('/');
  return base.startsWith('/') ? base : `/${fallback}`;
}
