import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors since the last take(), as text. */
  takeErrors(): string[];
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, in a fresh profile directory of its own (removed on close): one per test file, closed in afterAll.
 * Every console error and uncaught exception of the page is collected for the test to assert on.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The dashboard's browser tests drive Chromium at ${CHROMIUM}, which is missing: apt-get install chromium (Debian's), or set CHROMIUM_PATH.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'nq-dash-chromium-'));
  // A persistent context is how Playwright takes a profile directory (it refuses --user-data-dir in launch()).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  let errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.stack ?? error.message}`));
  return {
    context,
    page,
    takeErrors() {
      const taken = errors;
      errors = [];
      return taken;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
