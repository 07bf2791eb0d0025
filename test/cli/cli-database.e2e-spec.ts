import { dirname, join } from 'node:path';
import knex from 'knex';
import { DatabaseQueueDriver } from '../../lib/drivers/database/database-queue.driver';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';
import { useCliSuite } from './support/cli-suite';
import { fixtureLog, QuickJob } from './support/dispatch-app';

// Each case runs the built CLI two to five times; a loaded machine stretches each start to several seconds.
jest.setTimeout(120_000);

describe('nestjs-queue on a database connection', () => {
  const cli = useCliSuite();
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    // FAILED_SQLITE also moves the default `database` connection's `sqlite` database off the project's storage/.
    const dir = dirname((database.options.connection as { filename: string }).filename);
    env = { JOBS_DB: JSON.stringify(database.options), FAILED_SQLITE: join(dir, 'default.sqlite') };
  });
  afterEach(async () => {
    await database.drop();
  });

  const hasTable = async (table: string): Promise<boolean> => {
    const db = knex({ ...database.options, useNullAsDefault: true } as knex.Knex.Config);
    try {
      return await db.schema.hasTable(table);
    } finally {
      await db.destroy();
    }
  };

  /** An app on the same database file that dispatches onto the `db` connection. */
  const sender = (): Promise<QueueTestApp> =>
    createQueueApp([QuickJob], {
      prefix: cli.app().prefix,
      databases: { jobs: database.options },
      connections: { db: { driver: 'database', connection: 'jobs' } },
    });

  it('jobs:table creates the jobs table of every database connection, and again is fine; a redis connection has none', async () => {
    expect(await hasTable('jobs')).toBe(false);
    expect(await cli.run(['jobs:table'], env)).toMatchObject({
      code: 0,
      stdout: 'The jobs table "jobs" of connection database is ready on database "sqlite".\nThe jobs table "jobs" of connection db is ready on database "jobs".\n',
    });
    expect(await hasTable('jobs')).toBe(true);
    expect(await cli.run(['jobs:table', 'db'], env)).toMatchObject({ code: 0, stdout: 'The jobs table "jobs" of connection db is ready on database "jobs".\n' });
    const redis = await cli.run(['jobs:table', 'redis'], env);
    expect(redis.code).toBe(1);
    expect(redis.stderr).toContain('The connection "redis" uses the redis driver, which has no jobs table; name a database connection.');
  });

  it('batches:table creates job_batches for database batching, and says there is none for redis', async () => {
    expect(await cli.run(['batches:table'], env)).toMatchObject({ code: 0, stdout: 'Batches are kept by the redis driver: there is no table to create.\n' });
    expect(await cli.run(['batches:table'], { ...env, BATCHES_DB: '1' })).toMatchObject({ code: 0, stdout: 'The batches table "job_batches" is ready on database "jobs".\n' });
    expect(await hasTable('job_batches')).toBe(true);
  });

  it('size, monitor, work and clear read and work the database queue', async () => {
    const t = await sender();
    try {
      for (let n = 1; n <= 3; n++) await t.bus.dispatch(QuickJob, { n }).onConnection('db');
      await t.bus.dispatch(QuickJob, { n: 4 }).onConnection('db').delay(600);
      const size = await cli.run(['size', 'db', '--json'], env);
      expect(JSON.parse(size.stdout)).toEqual([{ connection: 'db', queue: 'default', ready: 3, delayed: 1, reserved: 0, total: 4 }]);
      const monitor = await cli.run(['monitor', 'db:default', '--max=4'], env);
      expect(monitor.stdout).toMatch(/db:default.*\[4\] ALERT/);
      expect(monitor.stdout).toContain('QueueBusy db:default size=4');

      const work = await cli.run(['work', 'db', '--stop-when-empty', '--sleep=0.1'], env);
      expect(work.code).toBe(0);
      expect((await fixtureLog(t)).sort()).toEqual(['quick:1', 'quick:2', 'quick:3']);
      expect(await cli.run(['clear', 'db'], env)).toMatchObject({ code: 0, stdout: 'Cleared 1 job from the [db:default] queue.\n' });
      expect(await (t.manager.connection('db') as DatabaseQueueDriver).size('default')).toBe(0);
    } finally {
      await t.close();
    }
  });
});
