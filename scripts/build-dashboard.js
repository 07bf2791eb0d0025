#!/usr/bin/env node
// Bundles the dashboard's front end (lib/dashboard/ui/src, Preact + uPlot) into lib/dashboard/ui/dist/app.js and
// app.css, minified, with no external reference (the dashboard must work offline: no CDN, no web fonts).
// An ES module split in chunks (chunk-<hash>.js): the charts (uPlot) load only on the pages that draw them, and
// manifest.json names the chunks app.js imports at once, which the page shell preloads beside it.
// The server serves those files at <path>/assets/. `npm run build` and `npm test` run this first; the browser
// tests call buildDashboard() themselves so a lone `npx jest test/dashboard/browser/...` has a fresh bundle.
const { join } = require('node:path');
const { rmSync, mkdirSync, readdirSync, writeFileSync } = require('node:fs');

const root = join(__dirname, '..');
const ui = join(root, 'lib', 'dashboard', 'ui');
const outdir = join(ui, 'dist');

/** Builds the bundle; resolves to the files written (relative to dist). */
async function buildDashboard({ quiet = true } = {}) {
  const esbuild = require('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(ui, 'src', 'main.tsx') },
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    target: 'es2020',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(ui, 'tsconfig.json'),
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: quiet ? 'warning' : 'info',
    metafile: true,
  });
  if (result.errors.length > 0) throw new Error(`dashboard build failed: ${result.errors.map((e) => e.text).join('; ')}`);
  // The chunks app.js imports statically: fetched with it (modulepreload) instead of after it is parsed.
  const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint && o.entryPoint.endsWith('main.tsx'));
  const preload = entry ? entry[1].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path.split('/').pop()) : [];
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify({ preload })}\n`);
  const files = readdirSync(outdir).sort();
  for (const expected of ['app.js', 'app.css']) {
    if (!files.includes(expected)) throw new Error(`dashboard build wrote no ${expected} (wrote ${files.join(', ')})`);
  }
  return files;
}

module.exports = { buildDashboard, outdir };

if (require.main === module) {
  buildDashboard({ quiet: false }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
