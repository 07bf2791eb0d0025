#!/usr/bin/env node
// Takes a PNG of every dashboard page with real data into docs/dashboard/: it runs the browser suite
// (test/dashboard/browser/dashboard-pages.e2e-spec.ts: a real app, a real `supervise` master, real jobs on a
// private Redis) with DASHBOARD_SCREENSHOTS set, so each page is shot right after the test checked what it shows.
// `node scripts/dashboard-screenshots.js [out-dir]` (default docs/dashboard). Needs /usr/bin/chromium.
const { spawnSync } = require('node:child_process');
const { readdirSync, mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'docs', 'dashboard'));
mkdirSync(out, { recursive: true });
const result = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), '--runInBand', 'test/dashboard/browser/dashboard-pages.e2e-spec.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, DASHBOARD_SCREENSHOTS: out } },
);
if (result.status !== 0) {
  console.error('The browser suite failed: no screenshot set is complete.');
  process.exit(result.status ?? 1);
}
const shots = readdirSync(out).filter((f) => f.endsWith('.png')).sort();
console.log(`${shots.length} screenshots in ${out}: ${shots.join(', ')}`);
