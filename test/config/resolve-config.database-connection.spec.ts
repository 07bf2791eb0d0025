import { expectConfigError, resolve, untyped } from './config-test-helpers';

describe('resolveQueueConfig database connections', () => {
  it("fills a new database connection: the 'sqlite' database, table jobs, queue default, retryAfter 90", () => {
    const config = resolve({ connections: { db: { driver: 'database' } } });
    expect(config.connections.db).toEqual({
      name: 'db',
      driver: 'database',
      database: 'sqlite',
      table: 'jobs',
      queue: 'default',
      retryAfter: 90,
      blockFor: null,
      afterCommit: false,
    });
  });

  it('takes connection, table, queue, retryAfter and blockFor as given', () => {
    const config = resolve({
      databases: { app: { client: 'pg', connection: 'postgres://127.0.0.1/app' } },
      connections: { db: { driver: 'database', connection: 'app', table: 'queue.jobs', queue: 'emails', retryAfter: 30, blockFor: 10 } },
    });
    expect(config.connections.db).toMatchObject({ database: 'app', table: 'queue.jobs', queue: 'emails', retryAfter: 30, blockFor: 10 });
  });

  it('QUEUE_CONNECTION=database picks the default database connection', () => {
    expect(resolve({}, { QUEUE_CONNECTION: 'database' }).default).toBe('database');
  });

  it('refuses a connection naming a database that is not defined, listing the defined ones', () => {
    expectConfigError(
      () => resolve({ connections: { db: { driver: 'database', connection: 'reporting' } } }),
      'connections.db.connection',
      'no database named "reporting"',
      'sqlite, mysql, pgsql',
    );
  });

  it('refuses a database whose knex client the driver does not run on', () => {
    expectConfigError(
      () => resolve({ databases: { ms: { client: 'mssql', connection: {} } }, connections: { db: { driver: 'database', connection: 'ms' } } }),
      'connections.db.connection',
      '"mssql"',
      "'better-sqlite3'",
    );
  });

  it.each([
    ['table', 'drop table;', 'must be a table name'],
    ['retryAfter', 0, 'retryAfter'],
    ['blockFor', -1, 'blockFor'],
    ['queue', '', 'queue'],
  ])('refuses a bad %s', (field, value, fragment) => {
    expectConfigError(() => resolve(untyped({ connections: { db: { driver: 'database', [field]: value } } })), `connections.db.${field}`, fragment);
  });

  it('refuses keys a database connection does not have, naming them', () => {
    expectConfigError(() => resolve(untyped({ connections: { db: { driver: 'database', server: 'x' } } })), 'connections.db.server', 'unknown setting');
  });

  it('merges a partial entry over the default database connection', () => {
    const config = resolve({ connections: { database: { driver: 'database', queue: 'mail' } } });
    expect(config.connections.database).toMatchObject({ database: 'sqlite', table: 'jobs', queue: 'mail', retryAfter: 90 });
  });
});

describe('the default database connection', () => {
  it('is no error when the user points the sqlite database at a client the queue driver does not run on (until it is used)', () => {
    const config = resolve({ databases: { sqlite: { client: 'oracledb', connection: {} } } });
    expect(config.connections.database).toMatchObject({ driver: 'database', database: 'sqlite' });
  });
});
