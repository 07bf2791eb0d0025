/** Text helpers of the CLI: one-line errors, Laravel-style timestamps and dotted lines, plain tables. */

/** The first paragraph of an error's message, on one line. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const paragraph = message.trim().split(/\n\s*\n/)[0] ?? '';
  return paragraph.replace(/\s+/g, ' ').trim() || (error instanceof Error ? error.name : 'Unknown error');
}

/** `Error: message` as the first line of an error (or of a stored exception's text), at most `max` characters. */
export function firstLine(error: unknown, max = 200): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `2026-11-27 21:03:04`, local time, as artisan prints it. */
export function formatTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** `12.30ms` under a second, `1.23s` above, as artisan's run times. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(2)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

export interface Styles {
  gray(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
}

const plain: Styles = { gray: (t) => t, green: (t) => t, yellow: (t) => t, red: (t) => t };
const ansi = (code: number) => (t: string) => `\u001b[${code}m${t}\u001b[39m`;
const colored: Styles = { gray: ansi(90), green: ansi(32), yellow: ansi(33), red: ansi(31) };

/** Colours on a terminal (unless NO_COLOR is set), plain text in a pipe or a file. */
export function stylesFor(stream: NodeJS.WriteStream): Styles {
  return stream.isTTY && !process.env.NO_COLOR ? colored : plain;
}

/** `left ........ right`, filled with dots to `width` columns (at least three dots). */
export function dotted(left: string, right: string, width: number, styles: Styles = plain): string {
  const dots = Math.max(3, width - visibleLength(left) - visibleLength(right) - 2);
  return `${left} ${styles.gray('.'.repeat(dots))} ${right}`;
}

/** Columns padded to their widest cell, separated by two spaces. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(headers), ...rows.map(line)];
}

/** Width for dotted lines: the terminal's, else 100 columns. */
export function lineWidth(stream: NodeJS.WriteStream): number {
  return Math.min(stream.isTTY && stream.columns ? stream.columns : 100, 150);
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
