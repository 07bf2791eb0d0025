import { Job, JobContext } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';

/** Attempts after which the job gives up releasing itself (so a starved loop still ends, and the test can fail). */
const GIVE_UP_AFTER = 200;
let attempts = 0;
let timerFiredAt: number | null = null;

@Job({ tries: 0 })
class ReleasesAtOnce {
  handle(_data: Record<string, never>, job: JobContext): void {
    attempts++;
    // Set during the first attempt; better-sqlite3 answers synchronously, so only a loop that yields lets it fire.
    if (attempts === 1) setTimeout(() => (timerFiredAt = attempts), 1);
    if (attempts < GIVE_UP_AFTER && timerFiredAt === null) job.release(0);
  }
}

describe('A worker on SQLite going round at full speed (release(0) at once, popped again at once)', () => {
  let database: TestDatabase;
  let t: QueueTestApp;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    t = await createQueueApp([ReleasesAtOnce], {
      default: 'db',
      databases: { test: database.options },
      connections: { db: { driver: 'database', connection: 'test', retryAfter: 60, blockFor: null } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('lets timers run while it loops: a timer set by the first attempt fires while the job is still going round', async () => {
    await t.bus.dispatch(ReleasesAtOnce, {});
    const run = t.worker.run({ sleep: 0, stopWhenEmpty: true });
    expect(await run).toBe('empty');
    expect(timerFiredAt).not.toBeNull();
    expect(timerFiredAt as number).toBeLessThan(GIVE_UP_AFTER);
    // Fired after the first attempt, so the job went round between the timer's start and its firing.
    expect(attempts).toBeGreaterThan(1);
  });
});
