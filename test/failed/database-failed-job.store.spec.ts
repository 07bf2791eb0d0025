import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { knex, Knex } from 'knex';
import type { DatabaseOptions } from '../../lib/config/queue-options.interface';
import { MissingPeerDependencyError } from '../../lib/errors';
import { DatabaseFailedJobStore } from '../../lib/failed/database-failed-job.store';
import type { FailedJobRecord } from '../../lib/failed/failed-job-store.interface';
import { createTestDatabase, SqlKind, TestDatabase } from '../support/sql-databases';
import { failedJobStoreContract, failedRecord } from './failed-job-store.contract';

const KINDS: SqlKind[] = ['sqlite', 'pgsql', 'mysql'];
const REPO_ROOT = resolve(__dirname, '../..');
const STORE_MODULE = resolve(REPO_ROOT, 'lib/failed/database-failed-job.store.ts');

describe.each(KINDS)('DatabaseFailedJobStore on %s', (kind) => {
  let database: TestDatabase;
  /** A plain knex on the same database, to look at what the store wrote. */
  let inspect: Knex;
  let tables = 0;
  const nextTable = (): string => `failed_jobs_${++tables}`;
  const stores: DatabaseFailedJobStore[] = [];
  const openStore = (table = nextTable()): DatabaseFailedJobStore => {
    const store = new DatabaseFailedJobStore(database.options, table);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    inspect = knex(database.options as Knex.Config);
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  afterAll(async () => {
    await inspect?.destroy();
    await database?.drop();
  });

  describe('contract', () => {
    failedJobStoreContract(async () => new DatabaseFailedJobStore(database.options, nextTable()));
  });

  it('creates its table on first use', async () => {
    const table = nextTable();
    const store = openStore(table);
    expect(await inspect.schema.hasTable(table)).toBe(false);

    expect(await store.find('anything')).toBeNull();

    expect(await inspect.schema.hasTable(table)).toBe(true);
  });

  it('creates the table with the default name failed_jobs through setup() alone', async () => {
    const store = new DatabaseFailedJobStore(database.options);
    stores.push(store);
    expect(await inspect.schema.hasTable('failed_jobs')).toBe(false);

    await store.setup();

    expect(await inspect.schema.hasTable('failed_jobs')).toBe(true);
    const columns = Object.keys(await inspect('failed_jobs').columnInfo()).sort();
    expect(columns).toEqual(['connection', 'exception', 'failed_at', 'id', 'payload', 'queue', 'uuid']);
  });

  it('indexes (connection, queue, failed_at) and makes uuid unique', async () => {
    const table = nextTable();
    await openStore(table).setup();

    const indexes = await listIndexes(inspect, kind, table);
    expect(indexes).toContainEqual({ columns: ['connection', 'queue', 'failed_at'], unique: false });
    expect(indexes).toContainEqual({ columns: ['uuid'], unique: true });
  });

  it('lets two stores create the same table at the same moment', async () => {
    const table = nextTable();
    const first = openStore(table);
    const second = openStore(table);
    const records = Array.from({ length: 6 }, (_, i) => failedRecord({ failedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)) }));

    await Promise.all(records.map((record, i) => (i % 2 ? first : second).log(record)));

    expect(await first.ids()).toEqual(records.map((r) => r.id).reverse());
  });

  it('writes one row per id when the same id is logged again', async () => {
    const table = nextTable();
    const store = openStore(table);
    const record = failedRecord();
    await store.log(record);
    await store.log({ ...record, exception: 'Error: again' });

    const rows: { uuid: string; exception: string }[] = await inspect(table).select('uuid', 'exception');
    expect(rows).toEqual([{ uuid: record.id, exception: 'Error: again' }]);
  });

  it('lists records that failed in the same millisecond most recently logged first', async () => {
    const store = openStore();
    const failedAt = new Date('2024-02-02T02:02:02.002Z');
    const first = failedRecord({ failedAt });
    const second = failedRecord({ failedAt });
    const third = failedRecord({ failedAt });
    for (const record of [first, second, third]) await store.log(record);

    expect(await store.ids()).toEqual([third.id, second.id, first.id]);
  });

  it('reads a row whose failed_at came from the column default as the time it was inserted, sorted among the others', async () => {
    const table = nextTable();
    const store = openStore(table);
    const older = failedRecord({ failedAt: new Date(Date.now() - 3_600_000) });
    const newer = failedRecord({ failedAt: new Date(Date.now() + 3_600_000) });
    await store.log(older);
    await store.log(newer);
    const uuid = 'inserted-without-failed-at';
    const before = Math.floor(Date.now() / 1000) * 1000;
    await inspect(table).insert({ uuid, connection: 'redis', queue: 'default', payload: '{}', exception: 'Error: x' });
    const after = Date.now();

    const found = await store.find(uuid);
    expect(found?.failedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(found?.failedAt.getTime()).toBeLessThanOrEqual(after);
    expect(await store.ids()).toEqual([newer.id, uuid, older.id]);
    expect(await store.prune(new Date(before))).toBe(1);
    expect(await store.ids()).toEqual([newer.id, uuid]);
  });

  it('stores the instant of failedAt, not the wall-clock time of the writing process', async () => {
    const table = nextTable();
    const record = failedRecord({ failedAt: new Date('2024-07-01T23:30:45.678Z') });

    const writer = await inTimeZone('Pacific/Kiritimati', { options: database.options, table, log: serialise(record) });

    expect(writer.offsetMinutes).toBe(-14 * 60);
    expect(await epochMilliseconds(inspect, kind, table, record.id)).toBe(record.failedAt.getTime());
  });

  if (kind === 'mysql') {
    it('writes and reads UTC even when the pool afterCreate sets another session time zone, and still runs it', async () => {
      const table = nextTable();
      let afterCreateCalls = 0;
      // DatabaseOptions types only pool.min/max; knex itself takes every tarn option, afterCreate included.
      const options = {
        ...database.options,
        pool: {
          afterCreate: (connection: MysqlConnection, done: (error: Error | null, connection: unknown) => void) => {
            afterCreateCalls++;
            connection.query("SET time_zone = '+05:00'", (error) => done(error, connection));
          },
        },
      } as DatabaseOptions;
      const store = new DatabaseFailedJobStore(options, table);
      stores.push(store);
      const record = failedRecord({ failedAt: new Date('2024-01-15T08:00:00.001Z') });
      await store.log(record);

      expect(afterCreateCalls).toBeGreaterThan(0);
      expect(await epochMilliseconds(inspect, kind, table, record.id)).toBe(record.failedAt.getTime());
      expect((await store.find(record.id))?.failedAt.toISOString()).toBe('2024-01-15T08:00:00.001Z');
    });
  }

  it('reads failedAt back unchanged in a process whose time zone differs from the writer', async () => {
    const table = nextTable();
    const record = failedRecord({ failedAt: new Date('2024-10-27T01:30:00.250Z') });
    await inTimeZone('Pacific/Kiritimati', { options: database.options, table, log: serialise(record) });

    const reader = await inTimeZone('America/St_Johns', {
      options: database.options,
      table,
      pruneBefore: record.failedAt.toISOString(),
    });

    expect(reader.offsetMinutes).toBe(150);
    expect(reader.failedAt).toEqual(['2024-10-27T01:30:00.250Z']);
    expect(reader.pruned).toBe(0);
    expect((await openStore(table).find(record.id))?.failedAt.toISOString()).toBe('2024-10-27T01:30:00.250Z');
  });
});

describe('DatabaseFailedJobStore set-up failures', () => {
  it('tries to create the table again on the next use after a failed attempt', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nq-failed-'));
    const dir = join(root, 'not-yet');
    const store = new DatabaseFailedJobStore({
      client: 'better-sqlite3',
      connection: { filename: join(dir, 'db.sqlite') },
      useNullAsDefault: true,
      log: { error: () => undefined, warn: () => undefined, debug: () => undefined, deprecate: () => undefined },
    });
    try {
      // The store makes its folder when it is built; take it away so the first use cannot open the file.
      rmSync(dir, { recursive: true, force: true });
      await expect(store.ids()).rejects.toThrow();
      mkdirSync(dir);
      const record = failedRecord();
      await store.log(record);
      expect(await store.ids()).toEqual([record.id]);
    } finally {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names the driver package to install when the client driver is missing', () => {
    const construct = () => new DatabaseFailedJobStore({ client: 'oracledb', connection: {} });

    expect(construct).toThrow(MissingPeerDependencyError);
    expect(construct).toThrow(/needs the npm package "oracledb".*npm install oracledb/);
  });

  it('names knex (and the driver) to install when knex itself is missing', () => {
    let thrown: unknown;
    jest.isolateModules(() => {
      jest.doMock('knex', () => {
        const error = new Error("Cannot find module 'knex' from 'database-failed-job.store.ts'") as NodeJS.ErrnoException;
        error.code = 'MODULE_NOT_FOUND';
        throw error;
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require('../../lib/failed/database-failed-job.store') as typeof import('../../lib/failed/database-failed-job.store');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const errors = require('../../lib/errors') as typeof import('../../lib/errors');
      try {
        new isolated.DatabaseFailedJobStore({ client: 'pg', connection: {} });
      } catch (error) {
        thrown = error;
        expect(error).toBeInstanceOf(errors.MissingPeerDependencyError);
      }
    });
    jest.dontMock('knex');

    expect(thrown).toBeDefined();
    expect((thrown as Error).message).toMatch(/needs the npm package "knex", which is not installed\. Run: npm install knex$/);
  });
});

interface MysqlConnection {
  query(sql: string, callback: (error: Error | null) => void): void;
}

type SerialisedRecord = Omit<FailedJobRecord, 'failedAt'> & { failedAt: string };

function serialise(record: FailedJobRecord): SerialisedRecord {
  return { ...record, failedAt: record.failedAt.toISOString() };
}

interface ChildInput {
  options: DatabaseOptions;
  table: string;
  log?: SerialisedRecord;
  pruneBefore?: string;
}

interface ChildOutput {
  offsetMinutes: number;
  failedAt: string[];
  pruned: number;
}

/**
 * Jest cannot change the time zone of its own process, so this runs the store in a child Node process with TZ set:
 * it logs `log` if given, then reports every failedAt it reads and what prune(pruneBefore) removed.
 */
function inTimeZone(zone: string, input: ChildInput): Promise<ChildOutput> {
  const script = `
    const { readFileSync } = require('node:fs');
    const { transformSync } = require('@swc/core');
    require.extensions['.ts'] = (module, filename) => module._compile(transformSync(readFileSync(filename, 'utf8'), {
      filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
    }).code, filename);
    const { DatabaseFailedJobStore } = require(${JSON.stringify(STORE_MODULE)});
    const input = JSON.parse(process.env.NQ_CHILD_INPUT);
    (async () => {
      const store = new DatabaseFailedJobStore(input.options, input.table);
      try {
        if (input.log) await store.log({ ...input.log, failedAt: new Date(input.log.failedAt) });
        const failedAt = (await store.all()).map((record) => record.failedAt.toISOString());
        const pruned = input.pruneBefore ? await store.prune(new Date(input.pruneBefore)) : 0;
        process.stdout.write(JSON.stringify({ offsetMinutes: new Date(Date.UTC(2024, 6, 1)).getTimezoneOffset(), failedAt, pruned }));
      } finally {
        await store.close();
      }
    })().catch((error) => { console.error(error); process.exitCode = 1; });
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      { cwd: REPO_ROOT, env: { ...process.env, TZ: zone, NQ_CHILD_INPUT: JSON.stringify(input) } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`child in ${zone} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as ChildOutput);
      },
    );
  });
}

/** failed_at of one row as epoch ms, computed by the database itself. */
async function epochMilliseconds(db: Knex, kind: SqlKind, table: string, uuid: string): Promise<number> {
  const expression =
    kind === 'pgsql'
      ? 'extract(epoch from failed_at) * 1000'
      : kind === 'mysql'
        ? 'unix_timestamp(failed_at) * 1000'
        : "unixepoch(failed_at, 'subsec') * 1000";
  const row: { ms: number | string } = await db(table).select(db.raw(`${expression} as ms`)).where('uuid', uuid).first();
  return Math.round(Number(row.ms));
}

interface IndexShape {
  columns: string[];
  unique: boolean;
}

async function listIndexes(db: Knex, kind: SqlKind, table: string): Promise<IndexShape[]> {
  if (kind === 'sqlite') {
    const list: { name: string; unique: number }[] = await db.raw('select name, "unique" from pragma_index_list(?)', [table]);
    return Promise.all(
      list.map(async (index) => {
        const info: { seqno: number; name: string }[] = await db.raw('select seqno, name from pragma_index_info(?)', [index.name]);
        return { columns: info.sort((a, b) => a.seqno - b.seqno).map((c) => c.name), unique: index.unique === 1 };
      }),
    );
  }
  if (kind === 'pgsql') {
    const result: { rows: { columns: string[]; unique: boolean }[] } = await db.raw(
      `select array_agg(a.attname::text order by k.ord) as columns, i.indisunique as unique
         from pg_index i
         join pg_class t on t.oid = i.indrelid
         cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
        where t.relname = ? and not i.indisprimary
        group by i.indexrelid, i.indisunique`,
      [table],
    );
    return result.rows.map((row) => ({ columns: row.columns, unique: row.unique }));
  }
  type MysqlIndexRow = { Key_name: string; Column_name: string; Seq_in_index: number; Non_unique: number };
  const [rows] = (await db.raw('show index from ??', [table])) as [MysqlIndexRow[], unknown];
  const byName = new Map<string, IndexShape & { seq: number[] }>();
  for (const row of rows) {
    if (row.Key_name === 'PRIMARY') continue;
    const index = byName.get(row.Key_name) ?? { columns: [], seq: [], unique: Number(row.Non_unique) === 0 };
    index.columns[row.Seq_in_index - 1] = row.Column_name;
    byName.set(row.Key_name, index);
  }
  return [...byName.values()].map(({ columns, unique }) => ({ columns, unique }));
}
