import { QueueDashboardModule } from '../../../lib/dashboard';
import { DashboardTestApp, startDashboardApp, withNodeEnv } from '../support/dashboard-app';
import { launchBrowser, TestBrowser } from './support/browser';
import { buildDashboard } from './support/build';

/** Who gets the dashboard in a browser: closed in production without authorize, open with an authorize that accepts. */
describe('Dashboard access in a browser', () => {
  let chrome: TestBrowser;
  let closed: DashboardTestApp;
  let open: DashboardTestApp;

  beforeAll(async () => {
    await buildDashboard();
    chrome = await launchBrowser();
    closed = await startDashboardApp('express', QueueDashboardModule.forRoot({ path: 'horizon' }));
    // On Fastify: the same bundle and API as on Express.
    open = await startDashboardApp('fastify', QueueDashboardModule.forRoot({ path: 'queues', authorize: (req) => req.headers['x-admin'] === 'yes' }));
  }, 90_000);

  afterAll(async () => {
    await chrome?.close();
    await closed?.close();
    await open?.close();
  }, 30_000);

  it('answers 403 and shows no dashboard in production without authorize', async () => {
    await withNodeEnv('production', async () => {
      const response = await chrome.page.goto(`${closed.url}/horizon/dashboard`);
      expect(response?.status()).toBe(403);
      expect(await chrome.page.locator('body').innerText()).toMatch(/authorize/);
      expect(await chrome.page.locator('.sidebar').count()).toBe(0);
    });
    chrome.takeErrors();
  });

  it('shows the dashboard under its own path on Fastify to requests authorize accepts, in production, and 403 to others', async () => {
    await withNodeEnv('production', async () => {
      await chrome.context.setExtraHTTPHeaders({ 'x-admin': 'yes' });
      await chrome.page.goto(`${open.url}/queues/jobs/pending`);
      await chrome.page.getByRole('heading', { level: 1, name: 'Pending Jobs' }).waitFor();
      await chrome.page.getByText('There are no pending jobs.').waitFor();
      await chrome.page.getByRole('link', { name: 'Failed Jobs' }).click();
      await chrome.page.waitForURL(`${open.url}/queues/failed`);
      await chrome.page.getByText('There are no failed jobs.').waitFor();
      expect(chrome.takeErrors()).toEqual([]);

      await chrome.context.setExtraHTTPHeaders({});
      const response = await chrome.page.goto(`${open.url}/queues/dashboard`);
      expect(response?.status()).toBe(403);
      chrome.takeErrors();
    });
  });
});
