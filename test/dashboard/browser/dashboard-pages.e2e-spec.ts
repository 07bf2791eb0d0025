import { launchBrowser, TestBrowser } from './support/browser';
import { buildDashboard } from './support/build';
import { BIG_PAYLOAD_CHARS, DashboardWorld, jobClass, startDashboardWorld, WORLD_TIMEOUT_MS } from './support/dashboard-world';
import { eventually, rowTexts, screenshot } from './support/pages';

/**
 * Every page of the dashboard in Chromium, against a real app on real Redis with a real `supervise` master and
 * data from real work. The pages poll: nothing here reloads a page to see a change.
 */
describe('Dashboard pages in a browser', () => {
  let world: DashboardWorld;
  let chrome: TestBrowser;

  beforeAll(async () => {
    await buildDashboard();
    const [started, launched] = await Promise.allSettled([startDashboardWorld(), launchBrowser()]);
    if (started.status === 'fulfilled') world = started.value;
    if (launched.status === 'fulfilled') chrome = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
  }, WORLD_TIMEOUT_MS);

  afterAll(async () => {
    await chrome?.close();
    await world?.close();
  }, 60_000);

  afterEach(() => {
    expect(chrome?.takeErrors()).toEqual([]);
  });

  const page = () => chrome.page;
  const open = async (route: string) => {
    await page().goto(`${world.base}${route}`);
  };

  it('shows the overview, the workload per queue and the supervisors of each master', async () => {
    await open('');
    await page().waitForURL(`${world.base}/dashboard`);
    const overview = page().locator('#overview');
    await overview.getByText('Active').waitFor();
    await eventually(async () => (await overview.locator('.stat', { hasText: 'Total processes' }).locator('.stat-value').innerText()) === '2', 'two processes');
    expect(await overview.locator('.stat', { hasText: 'Failed jobs past' }).locator('.stat-value').innerText()).not.toBe('0');
    expect(await overview.locator('.stat', { hasText: 'Jobs past' }).first().locator('.stat-value').innerText()).not.toBe('0');
    const workload = await rowTexts(page().locator('#workload'));
    expect(workload.find((r) => r.startsWith('redis:reports'))).toMatch(/redis:reports\s+4\s+0/);
    expect(workload.some((r) => r.startsWith('redis:orders'))).toBe(true);
    const supervisor = await rowTexts(page().locator('#masters table'));
    expect(supervisor[0]).toMatch(/supervisor-1\s+redis: default, orders, imports, emails\s+2\s+Disabled\s+running/i);
    expect(await page().title()).toBe('Dashboard · Queue Dashboard');
    await screenshot(page(), 'dashboard');
  });

  it('lists pending jobs, refreshes by itself when one is dispatched, and shows a big payload cut until asked', async () => {
    await open('/jobs/pending');
    const table = page().locator('table.jobs');
    await table.getByText('GenerateReport').first().waitFor();
    await eventually(async () => (await table.locator('tbody tr').count()) === 5, 'four pending reports and a delayed order');
    expect(await table.locator(`tr[data-job-id="${world.ids.delayedOrder}"]`).innerText()).toMatch(/ProcessOrder[\s\S]*customer:initech/);
    await screenshot(page(), 'pending-jobs');

    await table.locator(`tr[data-job-id="${world.ids.delayedOrder}"] a.job-name`).click();
    expect(await page().locator('dl.fields').innerText()).toMatch(/Delayed until\s+\d{4}-\d\d-\d\d/i);
    await page().goBack();
    // Opened by its address (no list read it first): the API finds the waiting job in its queue.
    await open(`/jobs/${world.ids.delayedOrder}`);
    await page().locator('dl.fields').getByText('ProcessOrder').waitFor();
    expect(await page().locator('dl.fields').innerText()).toMatch(/Status\s+pending[\s\S]*Delayed until\s+\d{4}-\d\d-\d\d/i);
    expect(await page().getByText('Waiting in its queue').count()).toBe(0);
    await open('/jobs/pending');
    await table.getByText('GenerateReport').first().waitFor();

    const late = await world.dash.bus.dispatch(jobClass('GenerateReport'), { key: 'late', month: '2026-04' });
    await page().locator(`tr[data-job-id="${late}"]`).waitFor();

    await page().locator(`tr[data-job-id="${world.ids.bigPending}"] a.job-name`).click();
    await page().waitForURL(`${world.base}/jobs/${world.ids.bigPending}`);
    const data = page().locator('pre[aria-label="Data"]');
    await data.waitFor();
    const shown = (await data.textContent()) ?? '';
    expect(shown.length).toBeLessThan(10_000);
    const showAll = page().getByRole('button', { name: /Show all/ });
    expect(await showAll.innerText()).toMatch(/Show all \(\d+\.\d KB\)/);
    await showAll.click();
    await eventually(async () => ((await data.textContent()) ?? '').length > BIG_PAYLOAD_CHARS, 'the whole payload shown');
  });

  it('lists completed jobs without the silenced ones, and the silenced ones apart', async () => {
    await open('/jobs/completed');
    const table = page().locator('table.jobs');
    await table.getByText('ProcessOrder').first().waitFor();
    const rows = await rowTexts(table);
    expect(rows.some((r) => r.includes('SendWelcomeEmail'))).toBe(false);
    expect(rows.some((r) => r.includes('ChargeCard'))).toBe(true);
    expect(await page().locator('.card-header h2').first().innerText()).toMatch(/^\d+ jobs$/);
    await screenshot(page(), 'completed-jobs');

    await page().getByRole('link', { name: 'Silenced Jobs' }).click();
    await page().waitForURL(`${world.base}/jobs/silenced`);
    await eventually(async () => (await page().locator('table.jobs tbody tr').count()) === 3, 'three silenced e-mails');
    expect((await rowTexts(page().locator('table.jobs'))).every((r) => r.includes('SendWelcomeEmail'))).toBe(true);
    await screenshot(page(), 'silenced-jobs');
  });

  it("shows a job's detail: data, tags, attempts and times", async () => {
    await open(`/jobs/${world.ids.completedOrder}`);
    const fields = page().locator('dl.fields');
    await fields.getByText('ProcessOrder').waitFor();
    const text = await fields.innerText();
    expect(text).toContain(world.ids.completedOrder);
    expect(text).toMatch(/Status\s+completed/i);
    expect(text).toContain('redis:orders');
    expect(text).toContain('order:1');
    expect(text).toMatch(/Attempts\s+1/i);
    expect(text).toMatch(/Completed at\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/i);
    expect(await page().locator('pre[aria-label="Data"]').innerText()).toContain('"customer": "globex"');
    await screenshot(page(), 'job');
  });

  it('monitors a tag, lists its jobs, and stops monitoring it', async () => {
    await open('/monitoring');
    const tags = page().locator('#monitored-tags');
    await tags.getByText('customer:acme').waitFor();
    expect((await rowTexts(tags)).find((r) => r.includes('customer:acme'))).toMatch(/customer:acme\s+[1-9]/);

    await page().getByLabel('Tag to monitor').fill('customer:globex');
    await page().getByRole('button', { name: 'Monitor', exact: true }).click();
    await tags.getByText('customer:globex').waitFor();
    await screenshot(page(), 'monitoring');

    await tags.getByRole('link', { name: 'customer:acme' }).click();
    await page().waitForURL(`${world.base}/monitoring/customer%3Aacme`);
    await page().locator('table.jobs').getByText('ProcessOrder').first().waitFor();
    expect((await rowTexts(page().locator('table.jobs'))).every((r) => r.includes('customer:acme'))).toBe(true);
    await screenshot(page(), 'monitoring-tag');

    await open('/monitoring');
    await page().getByRole('button', { name: 'Stop monitoring customer:globex' }).click();
    await eventually(async () => (await tags.getByText('customer:globex').count()) === 0, 'customer:globex gone');
    expect(await tags.getByText('customer:acme').count()).toBe(1);
  });

  it('draws throughput and runtime charts from the snapshots, per job and per queue', async () => {
    await open('/metrics/jobs');
    await page().locator('#metrics-list').getByRole('link', { name: 'ProcessOrder' }).click();
    await page().waitForURL(`${world.base}/metrics/jobs/ProcessOrder`);
    await page().locator('#throughput-chart canvas').waitFor();
    await page().locator('#runtime-chart canvas').waitFor();
    expect(await page().locator('#throughput-chart .u-legend').innerText()).toContain('Jobs');
    await screenshot(page(), 'metrics-job');

    await open('/metrics/jobs');
    await page().locator('#metrics-list').waitFor();
    await screenshot(page(), 'metrics');
    await page().getByRole('tab', { name: 'Queues' }).click();
    await page().locator('#metrics-list').getByRole('link', { name: 'redis:orders' }).click();
    await page().waitForURL(`${world.base}/metrics/queues/redis%3Aorders`);
    await page().locator('#throughput-chart canvas').waitFor();
  });

  it('lists failed jobs, finds them by tag, shows the stack, and a retry from the detail re-runs the job', async () => {
    const [first] = world.ids.failedCharges;
    await open('/failed');
    const table = page().locator('table.jobs');
    await table.locator(`tr[data-job-id="${first}"]`).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(4);
    expect(await table.locator(`tr[data-job-id="${first}"] .exception-line`).innerText()).toContain('the payment gateway refused the card');
    await screenshot(page(), 'failed-jobs');

    await page().getByLabel('Search failed jobs by tag').fill('payment:1');
    await eventually(async () => (await table.locator('tbody tr').count()) === 1, 'one failed job tagged payment:1');
    await table.locator(`tr[data-job-id="${first}"] a.job-name`).click();
    await page().waitForURL(`${world.base}/failed/${first}`);
    const stack = page().locator('pre[aria-label="Exception"]');
    expect(await stack.innerText()).toMatch(/ChargeCard 1 failed: the payment gateway refused the card[\s\S]*\n\s+at /);
    await screenshot(page(), 'failed-job');

    await world.heal('charge-1');
    await page().getByRole('button', { name: 'Retry', exact: true }).click();
    await eventually(async () => (await world.log()).includes('ChargeCard:1'), 'ChargeCard 1 ran again and passed');
  });

  it('retries several failed jobs at once from the list', async () => {
    const [, second, third] = world.ids.failedCharges;
    await world.heal('charge-2');
    await world.heal('charge-4');
    await open('/failed');
    const table = page().locator('table.jobs');
    await table.locator(`tr[data-job-id="${second}"]`).waitFor();
    await page().getByLabel(`Select ${second}`).check();
    await page().getByLabel(`Select ${third}`).check();
    await page().getByRole('button', { name: 'Retry selected (2)' }).click();
    await eventually(async () => {
      const log = await world.log();
      return log.includes('ChargeCard:2') && log.includes('ChargeCard:4');
    }, 'ChargeCard 2 and 4 ran again and passed');
    await eventually(async () => (await table.locator(`tr[data-job-id="${second}"], tr[data-job-id="${third}"]`).count()) === 0, 'the retried jobs left the failed list');
  });

  it("shows batches with their progress and failed job ids, and retrying a batch's failed jobs completes it", async () => {
    await open('/batches');
    const row = page().locator(`tr[data-batch-id="${world.ids.batchId}"]`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Import customers[\s\S]*5\s+1\s+80%/);
    await screenshot(page(), 'batches');

    await row.getByRole('link', { name: 'Import customers' }).click();
    await page().waitForURL(`${world.base}/batches/${world.ids.batchId}`);
    const failed = page().locator('#batch-failed');
    await failed.locator(`tr[data-job-id="${world.ids.batchFailedJob}"]`).waitFor();
    expect(await page().getByRole('progressbar').getAttribute('aria-valuenow')).toBe('80');
    await screenshot(page(), 'batch');

    await world.heal('row-3');
    await page().getByRole('button', { name: 'Retry failed jobs' }).click();
    await eventually(async () => (await world.log()).includes('ImportRow:3'), 'ImportRow 3 ran again and passed');
    await eventually(async () => (await page().getByRole('progressbar').getAttribute('aria-valuenow')) === '100', 'the batch at 100%');
    await failed.getByText('No job of this batch has failed.').waitFor();
  });

  it('navigates between every page from the sidebar without a page load', async () => {
    await open('/dashboard');
    await page().evaluate('window.__sameDocument = true');
    for (const [label, route] of [
      ['Monitoring', '/monitoring'],
      ['Metrics', '/metrics/jobs'],
      ['Batches', '/batches'],
      ['Pending Jobs', '/jobs/pending'],
      ['Completed Jobs', '/jobs/completed'],
      ['Silenced Jobs', '/jobs/silenced'],
      ['Failed Jobs', '/failed'],
      ['Dashboard', '/dashboard'],
    ]) {
      await page().locator('.sidebar').getByRole('link', { name: label, exact: true }).click();
      await page().waitForURL(`${world.base}${route}`);
      await page().locator('main .card').first().waitFor();
    }
    expect(await page().evaluate('window.__sameDocument')).toBe(true);
    await page().goBack();
    await page().waitForURL(`${world.base}/failed`);
    await open('/no/such/page');
    await page().getByText('There is no such page.').waitFor();
  });
});
