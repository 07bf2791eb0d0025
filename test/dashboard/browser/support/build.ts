/** The dashboard's bundle builder (scripts/build-dashboard.js), so a lone jest run serves a fresh UI. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { buildDashboard } = require('../../../../scripts/build-dashboard') as { buildDashboard: () => Promise<string[]> };
