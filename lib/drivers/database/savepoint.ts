/** Runs one SQL statement, `?` placeholders, on the caller's open transaction (its connection). */
export type TransactionExecute = (sql: string, bindings: readonly unknown[]) => Promise<unknown>;

let nextSavepoint = 1;

/**
 * Runs `work` (several statements on the caller's open transaction) inside a savepoint, so that they count all or
 * none within it: when one fails, those before it are undone and the transaction goes on as it was (on
 * PostgreSQL it is usable again), and the error is thrown. SQLite, PostgreSQL and MySQL all speak this SQL.
 */
export async function inSavepoint<T>(execute: TransactionExecute, work: () => Promise<T>): Promise<T> {
  const name = `nestjs_queue_${nextSavepoint++}`;
  await execute(`SAVEPOINT ${name}`, []);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await execute(`ROLLBACK TO SAVEPOINT ${name}`, []).catch(() => undefined);
    throw error;
  }
  await execute(`RELEASE SAVEPOINT ${name}`, []);
  return result;
}
