import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { DashboardConfigError, DASHBOARD_TOKEN_HEADER, QueueDashboardModule } from '../../lib/dashboard';
import { DASHBOARD_UI_DIR } from '../../lib/dashboard/dashboard-assets';
import { DashboardTestApp, PLATFORMS, startDashboardApp, withNodeEnv } from './support/dashboard-app';
import { waitUntil } from '../support/test-redis';

jest.setTimeout(60_000);

const globalsOf = (html: string) => JSON.parse(/window\.QueueDashboard = (\{.*?\});/.exec(html)?.[1] ?? 'null') as { basePath: string; apiBase: string; token: string } | null;

@Injectable()
class AdminList {
  readonly admins = new Set(['alice']);
}
@Module({ providers: [AdminList], exports: [AdminList] })
class AdminModule {}

describe.each(PLATFORMS)('dashboard access on %s', (platform) => {
  const apps: DashboardTestApp[] = [];
  const start = async (...args: Parameters<typeof startDashboardApp> extends [unknown, ...infer R] ? R : never) => {
    const t = await startDashboardApp(platform, ...args);
    apps.push(t);
    return t;
  };
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
  });

  it('without authorize, answers 403 to every page, API route and asset in production, and 200 in development and local', async () => {
    const t = await start(QueueDashboardModule.forRoot());
    const routes = ['/horizon', '/horizon/dashboard', '/horizon/failed/some-id', '/horizon/api/stats', '/horizon/api/jobs/pending', '/horizon/api/masters', '/horizon/assets/app.js'];
    for (const env of ['production', 'test', undefined]) {
      await withNodeEnv(env, async () => {
        for (const route of routes) expect([route, env, (await t.request(route)).status]).toEqual([route, env, 403]);
      });
    }
    for (const env of ['development', 'local']) {
      await withNodeEnv(env, async () => {
        expect((await t.request('/horizon')).status).toBe(200);
        expect((await t.request('/horizon/api/stats')).status).toBe(200);
        expect((await t.request('/horizon/api/jobs/pending')).status).toBe(200);
      });
    }
    await withNodeEnv('production', async () => {
      const body = (await (await t.request('/horizon/api/stats')).json()) as { message: string };
      expect(body.message).toMatch(/authorize/);
    });
  });

  it('with authorize, lets in only the requests it accepts, in every environment (sync and async)', async () => {
    const t = await start(QueueDashboardModule.forRoot({ authorize: (req) => req.headers['x-user'] === 'alice' }));
    for (const env of ['production', 'development', 'local']) {
      await withNodeEnv(env, async () => {
        expect((await t.request('/horizon/api/stats', { headers: { 'x-user': 'alice' } })).status).toBe(200);
        expect((await t.request('/horizon', { headers: { 'x-user': 'alice' } })).status).toBe(200);
        expect((await t.request('/horizon/api/stats', { headers: { 'x-user': 'mallory' } })).status).toBe(403);
        expect((await t.request('/horizon/api/stats')).status).toBe(403);
      });
    }
    const refused = await start(QueueDashboardModule.forRoot({ authorize: () => false }));
    await withNodeEnv('development', async () => {
      expect((await refused.request('/horizon/api/stats')).status).toBe(403);
      expect((await refused.request('/horizon')).status).toBe(403);
    });
    const later = await start(
      QueueDashboardModule.forRoot({
        path: 'ops/queues',
        authorize: async (req) => {
          await new Promise((r) => setTimeout(r, 5));
          return req.headers.authorization === 'Bearer yes';
        },
      }),
    );
    await withNodeEnv('production', async () => {
      expect((await later.request('/ops/queues/api/workload', { headers: { authorization: 'Bearer yes' } })).status).toBe(200);
      expect((await later.request('/ops/queues/api/workload', { headers: { authorization: 'Bearer no' } })).status).toBe(403);
    });
  });

  it('forRootAsync takes authorize from a factory with injected providers', async () => {
    const t = await start(
      QueueDashboardModule.forRootAsync({
        imports: [AdminModule],
        inject: [AdminList],
        useFactory: (list: AdminList) => ({ authorize: (req) => list.admins.has(String(req.headers['x-user'])) }),
      }),
    );
    await withNodeEnv('production', async () => {
      expect((await t.request('/horizon/api/stats', { headers: { 'x-user': 'alice' } })).status).toBe(200);
      expect((await t.request('/horizon/api/stats', { headers: { 'x-user': 'bob' } })).status).toBe(403);
    });
  });

  it('refuses state-changing requests that come from another origin or lack the token', async () => {
    const t = await start(QueueDashboardModule.forRoot({ authorize: () => true }));
    const token = await t.token();
    const post = (headers: Record<string, string>) =>
      t.request('/horizon/api/monitoring', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ tag: 'user:1' }) });
    expect((await post({ origin: 'https://evil.example', [DASHBOARD_TOKEN_HEADER]: token })).status).toBe(403);
    expect((await post({ origin: 'null', [DASHBOARD_TOKEN_HEADER]: token })).status).toBe(403);
    expect((await post({ origin: t.url })).status).toBe(403);
    expect((await post({ origin: t.url, [DASHBOARD_TOKEN_HEADER]: `${token.slice(0, -1)}x` })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', [DASHBOARD_TOKEN_HEADER]: token })).status).toBe(403);
    const refused = (await (await post({ origin: t.url })).json()) as { message: string };
    expect(refused.message).toMatch(/x-queue-dashboard-token/);
    expect(await t.json('/horizon/api/monitoring')).toEqual([]);

    expect((await t.request('/horizon/api/jobs/retry/some-id', { method: 'POST', headers: { origin: 'https://evil.example', [DASHBOARD_TOKEN_HEADER]: token } })).status).toBe(403);
    expect((await t.request('/horizon/api/batches/retry/some-id', { method: 'POST', headers: { origin: t.url } })).status).toBe(403);

    const ok = await post({ origin: t.url, [DASHBOARD_TOKEN_HEADER]: token });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ tag: 'user:1' });
    expect(await t.json('/horizon/api/monitoring')).toEqual([{ tag: 'user:1', count: 0 }]);
    // A script without Origin (curl) gets in with the token.
    expect((await t.request('/horizon/api/monitoring/user%3A1', { method: 'DELETE' })).status).toBe(403);
    expect((await t.request('/horizon/api/monitoring/user%3A1', { method: 'DELETE', headers: { origin: 'http://evil.example', [DASHBOARD_TOKEN_HEADER]: token } })).status).toBe(403);
    expect((await t.request('/horizon/api/monitoring/user%3A1', { method: 'DELETE', headers: { [DASHBOARD_TOKEN_HEADER]: token } })).status).toBe(200);
    expect(await t.json('/horizon/api/monitoring')).toEqual([]);
  });

  it('answers the page shell with the globals at the path and at every client route, never for api/*', async () => {
    const t = await start(QueueDashboardModule.forRoot({ path: '/admin/queues/', authorize: () => true }));
    for (const route of ['/admin/queues', '/admin/queues/dashboard', '/admin/queues/jobs/pending', '/admin/queues/metrics/queues/redis:default', '/admin/queues/monitoring/user%3A1']) {
      const res = await t.request(route);
      expect([route, res.status]).toEqual([route, 200]);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(globalsOf(html)).toEqual({ basePath: '/admin/queues', apiBase: '/admin/queues/api', token: await t.token('/admin/queues') });
      expect(html).toContain('<div id="app"></div>');
      expect(html).toMatch(/<script type="module" src="\/admin\/queues\/assets\/app\.js(\?v=[0-9a-f]+)?"><\/script>/);
      expect(html).toMatch(/<link rel="stylesheet" href="\/admin\/queues\/assets\/app\.css(\?v=[0-9a-f]+)?">/);
    }
    const unknown = await t.request('/admin/queues/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
    expect((await t.request('/horizon')).status).toBe(404);
  });

  it('keeps a global prefix in basePath', async () => {
    const t = await start(QueueDashboardModule.forRoot({ authorize: () => true }), { globalPrefix: 'internal' });
    const globals = globalsOf(await (await t.request('/internal/horizon/jobs/failed')).text());
    expect(globals).toMatchObject({ basePath: '/internal/horizon', apiBase: '/internal/horizon/api' });
    expect((await t.request('/internal/horizon/api/stats')).status).toBe(200);
  });

  it('derives the token from the secret: the same on every process given one secret, random per process without', async () => {
    const secret = 'a shared secret of the deployment';
    const a = await start(QueueDashboardModule.forRoot({ authorize: () => true, secret }));
    const b = await start(QueueDashboardModule.forRoot({ authorize: () => true, secret }));
    const c = await start(QueueDashboardModule.forRoot({ authorize: () => true }));
    expect(await a.token()).toBe(await b.token());
    expect(await c.token()).not.toBe(await a.token());
    const res = await b.request('/horizon/api/monitoring', { method: 'POST', headers: { 'content-type': 'application/json', [DASHBOARD_TOKEN_HEADER]: await a.token() }, body: JSON.stringify({ tag: 'shared' }) });
    expect(res.status).toBe(200);
    expect(() => QueueDashboardModule.forRoot({ secret: 'short' })).toThrow(DashboardConfigError);
    expect(() => QueueDashboardModule.forRoot({ path: '../etc' })).toThrow(/path/);
    expect(() => QueueDashboardModule.forRoot({ path: '/' })).toThrow(DashboardConfigError);
  });

  describe('assets', () => {
    let dir: string;
    beforeAll(() => {
      const root = mkdtempSync(join(tmpdir(), 'dash-assets-'));
      dir = join(root, 'dist');
      mkdirSync(join(dir, 'nested'), { recursive: true });
      writeFileSync(join(dir, 'app.js'), 'console.log("dashboard");\n');
      writeFileSync(join(dir, 'app.css'), 'body { margin: 0 }\n');
      writeFileSync(join(dir, 'chunk-AB12CD34.js'), `export const text = ${JSON.stringify('a chunk of text '.repeat(400))};\n`);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ preload: ['chunk-AB12CD34.js', '../secret.txt'] }));
      writeFileSync(join(dir, '.env'), 'SECRET=1\n');
      writeFileSync(join(dir, 'nested', 'inner.js'), 'inner\n');
      writeFileSync(join(root, 'secret.txt'), 'outside the ui directory\n');
    });
    afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

    it('serves the built files that exist, with their type and cache headers, and nothing else', async () => {
      const t = await start(QueueDashboardModule.forRoot({ authorize: () => true }), { override: (b) => b.overrideProvider(DASHBOARD_UI_DIR).useValue(dir) });
      const html = await (await t.request('/horizon')).text();
      const js = /src="\/horizon(\/assets\/app\.js\?v=[0-9a-f]+)"/.exec(html)?.[1];
      const css = /href="\/horizon(\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(html)?.[1];
      expect(js).toBeDefined();
      expect(css).toBeDefined();

      const versioned = await t.request(`/horizon${js}`);
      expect(versioned.status).toBe(200);
      expect(versioned.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await versioned.text()).toBe('console.log("dashboard");\n');
      const plain = await t.request('/horizon/assets/app.js');
      expect(plain.headers.get('cache-control')).toBe('no-cache');
      const style = await t.request(`/horizon${css}`);
      expect(style.headers.get('content-type')).toMatch(/^text\/css/);
      expect(await style.text()).toBe('body { margin: 0 }\n');

      // The chunks app.js imports are preloaded beside it; a chunk's name holds its hash, so it is cached for good.
      expect(html).toContain('<link rel="modulepreload" href="/horizon/assets/chunk-AB12CD34.js">');
      expect(html).not.toContain('secret.txt');
      const chunkText = `export const text = ${JSON.stringify('a chunk of text '.repeat(400))};\n`;
      const raw = await t.request('/horizon/assets/chunk-AB12CD34.js', { headers: { 'accept-encoding': 'identity' } });
      expect(raw.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(raw.headers.get('content-encoding')).toBeNull();
      expect(raw.headers.get('vary')).toBe('Accept-Encoding');
      expect(await raw.text()).toBe(chunkText);
      // Compressed in the background when first read; then answered compressed to a client that takes it.
      for (const coding of ['br', 'gzip']) {
        await waitUntil(async () => (await t.request('/horizon/assets/chunk-AB12CD34.js', { headers: { 'accept-encoding': coding } })).headers.get('content-encoding') === coding, `the chunk in ${coding}`);
        const res = await t.request('/horizon/assets/chunk-AB12CD34.js', { headers: { 'accept-encoding': coding } });
        expect(Number(res.headers.get('content-length'))).toBeLessThan(chunkText.length / 4);
        expect(await res.text()).toBe(chunkText);
      }
      expect((await t.request('/horizon/assets/chunk-AB12CD34.js', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } })).headers.get('content-encoding')).toBeNull();

      for (const bad of ['/horizon/assets/missing.js', '/horizon/assets/.env', '/horizon/assets/nested', '/horizon/assets/..%2Fsecret.txt', '/horizon/assets/%2e%2e%2fsecret.txt', '/horizon/assets/..%5csecret.txt', '/horizon/assets/nested%2Finner.js']) {
        const res = await t.request(bad);
        expect([bad, res.status]).toEqual([bad, 404]);
        expect(await res.text()).not.toContain('outside the ui directory');
      }
      // Traversal the URL parser resolves lands outside the dashboard's routes.
      const dotted = await t.request('/horizon/assets/../../secret.txt');
      expect(await dotted.text()).not.toContain('outside the ui directory');
    });
  });
});
