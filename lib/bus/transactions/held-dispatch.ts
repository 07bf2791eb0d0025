import { DispatchFailedError } from '../../errors';
import { dispatchError } from '../dispatch-error';
import type { HeldTransaction } from './held-transaction';
import type { OutboxWrite, OutboxWriteAll } from './outbox';
import { inSavepoint } from '../../drivers/database/savepoint';

/** One job of a dispatch inside a transaction, and the steps of its sending that the dispatcher owns. */
export interface HeldJob {
  uuid: string;
  name: string;
  connection: string;
  queue: string;
  encoded: string;
  delay?: number;
  unique: boolean;
  /** Takes the unique lock; false when another job holds it. */
  lock(): Promise<boolean>;
  /** Frees the unique lock (quietly: it expires on its own). */
  unlock(): Promise<void>;
  /** Pushes the job through the connection's own driver. */
  push(): Promise<void>;
  /** Emits JobQueued. */
  queued(): Promise<void>;
}

/**
 * A dispatch inside a transaction: the unique lock is taken now (so the caller learns at once that the job is a
 * duplicate, as Laravel) and freed on rollback; the job row is written by the transaction (the outbox) when
 * `write` is given, else the push waits for the commit. JobQueued follows the commit. Resolves to the job's id, or
 * null when the unique lock is held.
 */
export async function dispatchHeld(held: HeldTransaction, job: HeldJob, write: OutboxWrite | null): Promise<string | null> {
  held.assertOpen();
  if (job.unique && !(await job.lock())) return null;
  const where = `${job.name} to ${job.connection}:${job.queue}`;
  if (write) {
    try {
      await write(job.queue, job.encoded, job.delay);
    } catch (error) {
      if (job.unique) await job.unlock();
      throw dispatchError(error, `Could not write ${where} in the open transaction`, [job.uuid]);
    }
    held.onCommit(() => job.queued());
  } else {
    held.onCommit(async () => {
      try {
        await job.push();
      } catch (error) {
        const what = `Could not dispatch ${where} after the transaction committed`;
        const failure = dispatchError(error, what, [job.uuid]);
        throw 'jobIds' in failure ? failure : new DispatchFailedError(what, [job.uuid], error);
      }
      await job.queued();
    });
  }
  if (job.unique) held.onRollback(() => job.unlock());
  return job.uuid;
}

/**
 * A dispatchMany inside a transaction whose every job can be written by that transaction (the outbox: each job's
 * connection is a `database` connection on the transaction's own database): unique locks are taken now (a held
 * lock: that job is not sent and its id is null, as dispatch), then every row is written by the transaction, one
 * call of multi-row statements per connection (several connections: in a savepoint, all or none). The rows exist
 * if and only if the transaction commits; JobQueued follows the commit; a rollback frees the locks. Resolves to
 * null, writing nothing, when some job must instead be sent after the commit.
 */
export async function dispatchManyWithin(
  held: HeldTransaction,
  jobs: readonly HeldJob[],
  writerOf: (connection: string) => OutboxWriteAll | null,
): Promise<(string | null)[] | null> {
  held.assertOpen();
  const writers = new Map<string, OutboxWriteAll>();
  for (const job of jobs) {
    if (writers.has(job.connection)) continue;
    const writer = writerOf(job.connection);
    if (!writer) return null;
    writers.set(job.connection, writer);
  }
  const execute = held.sql?.execute;
  if (!execute) return null;
  const ids: (string | null)[] = jobs.map((job) => job.uuid);
  const locked: HeldJob[] = [];
  try {
    const byConnection = new Map<string, { queue: string; payload: string; delay?: number }[]>();
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      if (job.unique) {
        if (!(await job.lock())) {
          ids[i] = null;
          continue;
        }
        locked.push(job);
      }
      let rows = byConnection.get(job.connection);
      if (!rows) byConnection.set(job.connection, (rows = []));
      rows.push({ queue: job.queue, payload: job.encoded, delay: job.delay });
    }
    const writeAll = async () => {
      for (const [connection, rows] of byConnection) await (writers.get(connection) as OutboxWriteAll)(rows);
    };
    if (byConnection.size > 1) await inSavepoint(execute, writeAll);
    else await writeAll();
  } catch (error) {
    for (const job of locked) await job.unlock();
    throw dispatchError(error, `Could not write ${jobs.length} job${jobs.length === 1 ? '' : 's'} in the open transaction`, jobs.map((job) => job.uuid));
  }
  held.onCommit(async () => {
    for (let i = 0; i < jobs.length; i++) if (ids[i]) await jobs[i].queued();
  });
  if (locked.length > 0) held.onRollback(async () => {
    for (const job of locked) await job.unlock();
  });
  return ids;
}
