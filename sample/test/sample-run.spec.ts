import { checkRun } from '../src/run/checks';
import { collectSummary } from '../src/run/collect';
import { checkExportLink } from '../src/run/export-link-check';
import { runScenario } from '../src/run/scenario';
import { formatSummary } from '../src/run/summary';
import { SampleTestApp, startSampleApp, TEST_WORK } from './support/sample-app';

describe('the sample run (what npm run sample does, in process)', () => {
  let t: SampleTestApp;
  beforeEach(async () => {
    t = await startSampleApp();
  });
  afterEach(() => t.close());

  it('sends every example of the seed, works them off, and everything happens as the seed says', async () => {
    const facts = await runScenario(t.app, TEST_WORK);
    const data = await collectSummary(t.app, facts, await checkExportLink(t.app));
    const failed = checkRun(data).filter((c) => !c.ok);
    expect(failed).toEqual([]);

    const text = formatSummary(data, ['header']).join('\n');
    expect(text).toContain('"subject": "Welcome to Meet2Be, Ada!"');
    expect(text).toContain('11th released by the rate limit');
    expect(text).toContain('progress after each job: 25% → 50% → 75% → 100%');
    expect(text).toContain('ran:         ProcessPayment → UpdateInventory → SendOrderConfirmation → NotifyWarehouse');
    expect(text).toContain('xyz: failed: UnsupportedFormatError: Unsupported format: xyz');
    expect(text).toContain('5xx: released after attempt 1 for 30 s');
    expect(text).toMatch(/Failed jobs \(failed_jobs table, SQLite\): 5/);
  });
});
