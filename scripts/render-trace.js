#!/usr/bin/env node
// Draws one trace as an SVG waterfall: `node scripts/render-trace.js spans.json out.svg`. The spans come from a
// real test run: `TRACE_PICTURE_OUT=/tmp/spans.json npx jest test/telemetry/cross-process-trace.e2e-spec.ts`
// writes those of the retried job's trace (the dispatching test process and the forked worker). No Jaeger needed.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: node scripts/render-trace.js spans.json out.svg');
const spans = JSON.parse(readFileSync(input, 'utf8'));

// Tree order: each span under its parent, siblings by start time.
const byParent = new Map();
const ids = new Set(spans.map((s) => s.spanId));
for (const s of spans) {
  const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : null;
  if (!byParent.has(parent)) byParent.set(parent, []);
  byParent.get(parent).push(s);
}
const rows = [];
(function walk(parent, depth) {
  for (const s of (byParent.get(parent) ?? []).sort((a, b) => a.startMs - b.startMs)) {
    rows.push({ span: s, depth });
    walk(s.spanId, depth + 1);
  }
})(null, 0);

const t0 = Math.min(...spans.map((s) => s.startMs));
const t1 = Math.max(...spans.map((s) => s.endMs));
const pids = [...new Set(rows.map((r) => r.span.pid))];
const processName = (pid) => (pid === rows[0].span.pid ? 'app (dispatching)' : 'worker (forked)');
const colours = ['#4f7cac', '#c0683f'];
const KIND = ['internal', 'server', 'client', 'producer', 'consumer'];

const labelWidth = 330;
const chartWidth = 560;
const rowHeight = 34;
const top = 58;
const width = labelWidth + chartWidth + 30;
const height = top + rows.length * rowHeight + 40;
const x = (ms) => labelWidth + ((ms - t0) / (t1 - t0 || 1)) * chartWidth;
const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const parts = [];
parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
parts.push(`<text x="12" y="22" font-size="14" font-weight="bold">Trace ${esc(rows[0].span.traceId)}</text>`);
parts.push(`<text x="12" y="40" fill="#555">${rows.length} spans in ${pids.length} processes, ${(t1 - t0).toFixed(1)} ms; drawn from the spans of a test run (test/telemetry/cross-process-trace.e2e-spec.ts)</text>`);
pids.forEach((pid, i) => {
  const lx = labelWidth + i * 190;
  parts.push(`<rect x="${lx}" y="${height - 24}" width="12" height="12" fill="${colours[i % colours.length]}"/>`);
  parts.push(`<text x="${lx + 18}" y="${height - 14}">${esc(processName(pid))}, pid ${pid}</text>`);
});
rows.forEach(({ span, depth }, i) => {
  const y = top + i * rowHeight;
  if (i % 2 === 0) parts.push(`<rect x="0" y="${y - 4}" width="${width}" height="${rowHeight}" fill="#f4f6f8"/>`);
  const a = span.attributes || {};
  const detail = [KIND[span.kind] ?? '', a['messaging.nestjs_queue.job.attempt'] !== undefined ? `attempt ${a['messaging.nestjs_queue.job.attempt']}` : '',
    a['messaging.nestjs_queue.job.outcome'] ?? '', a['messaging.nestjs_queue.job.release_delay'] !== undefined ? `retry in ${a['messaging.nestjs_queue.job.release_delay']}s` : '']
    .filter(Boolean).join(' · ');
  parts.push(`<text x="${12 + depth * 16}" y="${y + 12}" font-weight="bold">${esc(span.name)}</text>`);
  parts.push(`<text x="${12 + depth * 16}" y="${y + 26}" fill="#666" font-size="11">${esc(detail)}</text>`);
  const bx = x(span.startMs);
  const bw = Math.max(2, x(span.endMs) - bx);
  const colour = colours[pids.indexOf(span.pid) % colours.length];
  parts.push(`<rect x="${bx.toFixed(1)}" y="${y + 3}" width="${bw.toFixed(1)}" height="16" rx="3" fill="${colour}"${span.status === 2 ? ' stroke="#b00020" stroke-width="2"' : ''}/>`);
  const ms = `${(span.endMs - span.startMs).toFixed(2)} ms${span.status === 2 ? ' · error' : ''}`;
  const textX = bx + bw + 6 > labelWidth + chartWidth - 80 ? bx - 6 : bx + bw + 6;
  parts.push(`<text x="${textX.toFixed(1)}" y="${y + 15}" fill="#333" font-size="11"${textX < bx ? ' text-anchor="end"' : ''}>${esc(ms)}</text>`);
});
parts.push('</svg>');
writeFileSync(output, `${parts.join('\n')}\n`);
process.stdout.write(`wrote ${output}: ${rows.length} spans\n`);
