import type { DashboardGlobals } from './dashboard-api.types';

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The HTML every page route answers: it sets `window.QueueDashboard` and loads the built UI, whose router shows the
 * page the URL names. `versions` makes the asset URLs change when the files do (so they can be cached for good).
 */
export function pageShell(globals: DashboardGlobals, versions: { js: string | null; css: string | null; preload?: readonly string[] }): string {
  const asset = (file: string, v: string | null) => attr(`${globals.basePath}/assets/${file}${v ? `?v=${v}` : ''}`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    '<title>Queue dashboard</title>',
    `<link rel="stylesheet" href="${asset('app.css', versions.css)}">`,
    `<script>window.QueueDashboard = ${scriptJson(globals)};</script>`,
    // An ES module (deferred); the chunks it imports at once are fetched beside it, not after it is parsed.
    `<script type="module" src="${asset('app.js', versions.js)}"></script>`,
    ...(versions.preload ?? []).map((chunk) => `<link rel="modulepreload" href="${asset(chunk, null)}">`),
    '</head>',
    '<body>',
    '<div id="app"></div>',
    versions.js ? '' : '<p id="queue-dashboard-missing">The dashboard UI is not built: run `npm run build`.</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
