/** The head every payload the dispatcher writes starts with: `{"v":N,` then, unless 0, `"attempts":N,`. */
const HEAD = /^\{"v":\d+,(?:"attempts":(\d+)(?=[,}]))?/;

/**
 * The payload as handed to a worker: its `attempts` raised by `reservations` (the row's attempts column, raised on
 * every reserve), as the Redis reserve script rewrites the same head. The stored payload itself never changes.
 * A payload without that head is handed out as stored (the worker then fails it as unreadable).
 */
export function withAttempts(payload: string, reservations: number): string {
  const head = HEAD.exec(payload);
  if (!head) return payload;
  const vEnd = payload.indexOf(',') + 1;
  const base = head[1] === undefined ? 0 : Number(head[1]);
  const rest = head[1] === undefined ? `,${payload.slice(vEnd)}` : payload.slice(head[0].length);
  if (head[1] === undefined && payload.length === vEnd) return payload;
  return `${payload.slice(0, vEnd)}"attempts":${base + reservations}${rest}`;
}
