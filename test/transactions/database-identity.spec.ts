import { identityOfKnexConfig, identityOfTypeOrmOptions, sameDatabase } from '../../lib/bus/transactions/database-identity';
import { numberPlaceholders } from '../../lib/bus/transactions/transaction-sql';

describe('the transaction\'s own database (for the outbox)', () => {
  it('is the same PostgreSQL database whether named by URL or by fields, on any local host name', () => {
    const knex = identityOfKnexConfig({ client: 'pg', connection: 'postgres://app@127.0.0.1:5432/shop' });
    expect(sameDatabase(knex, identityOfTypeOrmOptions({ type: 'postgres', host: 'localhost', database: 'shop', username: 'other' }))).toBe(true);
    expect(sameDatabase(knex, identityOfKnexConfig({ client: 'pg', connection: { host: '::1', port: 5432, database: 'shop' } }))).toBe(true);
    expect(sameDatabase(knex, identityOfKnexConfig({ client: 'pg', connection: { connectionString: 'postgresql://localhost/shop' } }))).toBe(true);
  });

  it('differs by database name, port, host or dialect', () => {
    const shop = identityOfKnexConfig({ client: 'mysql2', connection: 'mysql://root@db.internal:3306/shop' });
    expect(sameDatabase(shop, identityOfTypeOrmOptions({ type: 'mariadb', url: 'mysql://root@db.internal/shop' }))).toBe(true);
    expect(sameDatabase(shop, identityOfTypeOrmOptions({ type: 'mariadb', url: 'mysql://root@db.internal/other' }))).toBe(false);
    expect(sameDatabase(shop, identityOfTypeOrmOptions({ type: 'mariadb', url: 'mysql://root@db.internal:3307/shop' }))).toBe(false);
    expect(sameDatabase(shop, identityOfTypeOrmOptions({ type: 'mariadb', url: 'mysql://root@db2.internal/shop' }))).toBe(false);
    expect(sameDatabase(shop, identityOfTypeOrmOptions({ type: 'postgres', url: 'postgres://db.internal:3306/shop' }))).toBe(false);
  });

  it('is the same SQLite file by its resolved path; an in-memory database is never shared', () => {
    const file = identityOfKnexConfig({ client: 'better-sqlite3', connection: { filename: 'storage/queue.sqlite' } });
    expect(sameDatabase(file, identityOfTypeOrmOptions({ type: 'better-sqlite3', database: `${process.cwd()}/storage/queue.sqlite` }))).toBe(true);
    expect(sameDatabase(file, identityOfTypeOrmOptions({ type: 'better-sqlite3', database: 'storage/other.sqlite' }))).toBe(false);
    const memory = identityOfKnexConfig({ client: 'better-sqlite3', connection: { filename: ':memory:' } });
    expect(sameDatabase(memory, identityOfTypeOrmOptions({ type: 'better-sqlite3', database: ':memory:' }))).toBe(false);
  });

  it('numbers ? placeholders for PostgreSQL, leaving quoted text alone', () => {
    expect(numberPlaceholders(`INSERT INTO "a?" (x, y) VALUES (?, '?', ?)`)).toBe(`INSERT INTO "a?" (x, y) VALUES ($1, '?', $2)`);
  });
});
