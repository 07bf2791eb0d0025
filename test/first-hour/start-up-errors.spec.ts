import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, QueueModule, Bus, resolveQueueConfig } from '../../lib';
import { Test } from '@nestjs/testing';
import { findAppRoot, useAppFileForRoot } from '../../lib/config/app-root';
import { buildQueueConfigDefaults } from '../../lib/config/config-defaults';
import { createFailedJobStore } from '../../lib/failed/create-failed-job-store';
import { RedisConnections } from '../../lib/redis/redis-connections';
import { MissingPeerDependencyError, QueueConnectionError, RedisUnreachableError } from '../../lib/errors';
import { freePort } from '../support/redis-server';

@Job()
class Ping {
  async handle(_data: { n: number }): Promise<void> {}
}

describe("the default SQLite file is anchored at the app's root, not the current directory", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nq-app-root-'));
  });

  afterEach(() => {
    useAppFileForRoot(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the folder of the package.json above the app module file the CLI loads, wherever the command runs', () => {
    mkdirSync(join(dir, 'dist', 'modules'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{}');
    useAppFileForRoot(join(dir, 'dist', 'modules', 'app.module.js'));
    expect(findAppRoot(tmpdir())).toBe(dir);
    const defaults = buildQueueConfigDefaults({});
    expect(defaults.databases.sqlite.connection).toEqual({ filename: join(dir, 'storage', 'queue.sqlite') });
  });

  it("without a CLI app file, uses the entry script's package (here this project's), not the current directory", () => {
    const project = join(__dirname, '..', '..');
    expect(findAppRoot(dir)).toBe(project);
    expect(resolveQueueConfig({}, {}).databases.sqlite.connection).toEqual({ filename: join(project, 'storage', 'queue.sqlite') });
  });
});

describe('errors that name the missing detail', () => {
  it('a missing database driver names the package to install and offers the Redis store', () => {
    const config = resolveQueueConfig({ databases: { sqlite: { client: 'oracledb', connection: {} } } }, {});
    let thrown: unknown;
    try {
      createFailedJobStore(config, new RedisConnections(config));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MissingPeerDependencyError);
    expect((thrown as Error).message).toMatch(/needs the npm package "oracledb".*Run: npm install oracledb \(or keep failed jobs in Redis, which needs no package: QueueModule\.forRoot\(\{ failed: \{ driver: 'redis' \} \}\)\)$/);
  });

  it('commands to an unreachable Redis fail with its host:port and server name, never the password', async () => {
    const port = await freePort();
    const connections = new RedisConnections({ redis: { queue: { url: `redis://:hunter2@127.0.0.1:${port}` } } });
    try {
      const error = await connections.get('queue').ping().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnreachableError);
      expect((error as Error).message).toBe(`Redis is unreachable at 127.0.0.1:${port} (server "queue"): could not connect`);
    } finally {
      await connections.closeAll();
    }
  });

  it('a dispatch while Redis is unreachable names host:port in its error', async () => {
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ redis: { queue: { host: '127.0.0.1', port, password: 'hunter2' } }, failed: { driver: 'null' } })],
      providers: [Ping],
    }).compile();
    const app = await moduleRef.init();
    try {
      const error = await app.get(Bus).dispatch(Ping, { n: 1 }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(QueueConnectionError);
      expect((error as Error).message).toContain(`Redis is unreachable at 127.0.0.1:${port} (server "queue"): could not connect`);
      expect((error as Error).message).not.toContain('hunter2');
    } finally {
      await app.close();
    }
  });
});

describe('npm test with a SQL server down', () => {
  it.each([
    ['pgsql', 'TEST_PG_URL', 'PostgreSQL', 'postgres'],
    ['mysql', 'TEST_MYSQL_URL', 'MariaDB \\(or MySQL\\)', 'mysql'],
  ] as const)('a %s test says in one line which server it needs and which variable points elsewhere', async (kind, variable, server, scheme) => {
    const port = await freePort();
    const saved = process.env[variable];
    process.env[variable] = `${scheme}://root:secret@127.0.0.1:${port}/test`;
    try {
      let create: typeof import('../support/sql-databases').createTestDatabase = async () => {
        throw new Error('not loaded');
      };
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        create = (require('../support/sql-databases') as typeof import('../support/sql-databases')).createTestDatabase;
      });
      const error = await create(kind).then(() => null, (e: unknown) => e);
      const message = (error as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(new RegExp(`^This test needs ${server} at ${scheme}://root@127\\.0\\.0\\.1:${port}/test \\(.*ECONNREFUSED.*\\): start it, or set ${variable} to a server where it may create databases\\.$`));
      expect(message).not.toContain('secret');
    } finally {
      if (saved === undefined) delete process.env[variable];
      else process.env[variable] = saved;
    }
  });
});
