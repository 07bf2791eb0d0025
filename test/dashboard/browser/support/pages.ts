import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** Where `node scripts/dashboard-screenshots.js` wants PNGs (unset in ordinary runs: no file is written). */
const SHOTS = process.env.DASHBOARD_SCREENSHOTS;

/** Saves a full-page PNG of what the test just checked, when screenshots were asked for. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  // Let the last poll's paint settle (charts draw on a canvas in a frame).
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The rows' text of a table (header excluded). */
export async function rowTexts(table: Locator): Promise<string[]> {
  return table.locator('tbody tr').allInnerTexts();
}

/** Waits until `check` holds for the page's current state (the pages poll; nothing is reloaded). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
