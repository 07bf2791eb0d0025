/** Numbers, times and durations as the pages show them (local time, like Horizon). */

export function number(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

/** A chart tick: whole numbers as such, fractions with one decimal (so 2.5 does not read as 3). */
export function tick(value: number): string {
  return Number.isInteger(value) ? number(value) : value.toFixed(1);
}

/** Milliseconds → `850ms`, `1.25s`, `2m 5s`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 10 && !Number.isInteger(ms)) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return seconds(ms / 1000);
}

/** Seconds → `45s`, `3m 20s`, `2h 5m`, `1d 3h`. */
export function seconds(total: number | null | undefined): string {
  if (total === null || total === undefined || Number.isNaN(total)) return '—';
  const s = Math.round(total);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Epoch ms (or an ISO string) → `2026-12-01 12:03:37`. */
export function dateTime(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function time(value: number | string | null | undefined): string {
  const full = dateTime(value);
  return full === '—' ? full : full.slice(11);
}

/** Epoch ms → `5s ago`, `3m ago`. */
export function ago(value: number | string | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined || value === '') return '—';
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return '—';
  const diff = Math.max(0, (now - at) / 1000);
  return diff < 1 ? 'just now' : `${seconds(diff)} ago`;
}

/** Minutes → `1 hour`, `7 days` (the stats' periods). */
export function period(minutes: number | null | undefined): string {
  if (!minutes) return '';
  if (minutes % 1440 === 0) return minutes === 1440 ? '1 day' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

export function plural(count: number, word: string): string {
  return `${number(count)} ${word}${count === 1 ? '' : 's'}`;
}
