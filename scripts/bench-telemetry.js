#!/usr/bin/env node
// `npm run bench:telemetry`: compiles bench/ as `npm run bench` does (scripts/run-bench.js) and runs the
// OpenTelemetry cost scenario (bench/telemetry.ts). Arguments pass through (--runs N, --jobs N, --json).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { compileBench, out } = require('./run-bench');

compileBench();
const result = spawnSync(process.execPath, [join(out, 'bench', 'telemetry.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
