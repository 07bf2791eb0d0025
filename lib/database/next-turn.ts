/**
 * One turn of the event loop. better-sqlite3 runs a statement synchronously and knex settles it in the same tick, so
 * a worker going round at full speed on SQLite (a job released at once and popped again at once) would never let a
 * timer, an I/O callback or a signal handler run; every SQLite call of the queue driver and the stores awaits this
 * first.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
