import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linesMatching, useCliSuite } from '../cli/support/cli-suite';
import { FailingJob, QuickJob } from '../cli/support/dispatch-app';
import { freePort } from '../support/redis-server';
import { testRedisUrl } from '../support/test-redis';

const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';
const status = (name: string, what: string) => new RegExp(`^  ${TIME} ${name} \\.{3,} (\\d+\\.\\d\\d(ms|s) )?${what}$`);

describe('nestjs-queue work and failed, as a new user reads them', () => {
  const cli = useCliSuite();
  const redisAddress = () => `127.0.0.1:${new URL(testRedisUrl()).port}`;

  it('work starts with one line: connection and Redis, queues in order (lists expanded), concurrency, tries, timeout, failed store', async () => {
    await cli.app().bus.dispatch(QuickJob, { n: 1 });
    const result = await cli.run(['work', '--queue=priority', '--stop-when-empty', '--sleep=0.1', '--concurrency=2', '--tries=0', '--timeout=30']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      `  INFO  Processing jobs from connection redis (Redis ${redisAddress()}), queues priority, high, default (in this order); ` +
        `concurrency 2, tries unlimited, timeout 30s; failed jobs: redis (${redisAddress()}).`,
    );
    expect(linesMatching(result.stdout, status('QuickJob', 'DONE'))).toHaveLength(1);
  });

  it('names the absolute path of a SQLite failed store in the start line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nq-first-hour-'));
    try {
      const file = join(dir, 'queue.sqlite');
      const result = await cli.run(['work', '--stop-when-empty', '--sleep=0.1'], { FAILED_SQLITE: file });
      expect(result.code).toBe(0);
      expect(result.stdout.split('\n')[0]).toMatch(
        new RegExp(`queues default \\(in this order\\); concurrency 1, tries 1, timeout 60s; failed jobs: database "sqlite" \\(${file.replace(/[.]/g, '\\.')}, table failed_jobs\\)\\.$`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints RELEASED with its retry delay apart from FAILED, each followed by the exception\'s first line', async () => {
    const t = cli.app();
    await t.bus.dispatch(FailingJob, { n: 1 });
    const released = await cli.run(['work', '--once', '--tries=2', '--backoff=7', '--sleep=0.1']);
    expect(released.code).toBe(0);
    const out = released.stdout.split('\n');
    const at = out.findIndex((l) => status('FailingJob', 'RELEASED \\(retry in 7s\\)').test(l));
    expect(at).toBeGreaterThan(0);
    expect(out[at + 1]).toBe('    Error: boom 1');
    expect(released.stdout).not.toMatch(/FAILED/);

    await t.bus.dispatch(FailingJob, { n: 2 });
    const failed = await cli.run(['work', '--once', '--tries=1', '--sleep=0.1']);
    expect(failed.code).toBe(0);
    const lines = failed.stdout.split('\n');
    const failedAt = lines.findIndex((l) => status('FailingJob', 'FAILED').test(l));
    expect(failedAt).toBeGreaterThan(0);
    expect(lines[failedAt + 1]).toBe('    Error: boom 2');
    expect(failed.stdout).not.toMatch(/RELEASED/);

    const list = await cli.run(['failed']);
    expect(list.stdout).toMatch(/FailingJob\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+Error: boom 2\n$/);
  });

  it('work --help shows the defaults of its options', async () => {
    const { stdout, code } = await cli.run(['work', '--help']);
    expect(code).toBe(0);
    const flat = stdout.replace(/\s+/g, ' ');
    for (const [flag, fallback] of [
      ['--concurrency <n>', '1'], ['--tries <n>', '1'], ['--timeout <seconds>', '60'], ['--sleep <seconds>', '3'],
      ['--backoff <seconds>', '0'], ['--max-jobs <n>', '0'], ['--max-time <seconds>', '0'], ['--memory <mb>', '128'], ['--rest <seconds>', '0'],
    ]) {
      expect(flat).toMatch(new RegExp(`${flag.replace(/[<>-]/g, (c) => `\\${c}`)} [^-]*\\(default: ${fallback}\\)`));
    }
    expect(flat).toContain("(default: the connection's queue)");
  });

  it('--app naming a .ts file says to compile first, and names the compiled module when there is one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nq-first-hour-app-'));
    try {
      mkdirSync(join(dir, 'src'));
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'src', 'app.module.ts'), 'export class AppModule {}\n');
      writeFileSync(join(dir, 'src', 'other.module.ts'), 'export class OtherModule {}\n');
      writeFileSync(join(dir, 'dist', 'app.module.js'), 'exports.AppModule = class AppModule {};\n');
      const compiled = await cli.run(['--app', join(dir, 'src', 'app.module.ts#AppModule'), 'size'], { QUEUE_APP: undefined });
      expect(compiled).toMatchObject({
        code: 1,
        stderr: `error: ${join(dir, 'src', 'app.module.ts')} is a TypeScript file; the CLI loads your compiled app. ` +
          `Compile first (npm run build), then pass the compiled module: --app ${join(dir, 'dist', 'app.module.js')}#AppModule.\n`,
      });
      const uncompiled = await cli.run(['--app', join(dir, 'src', 'other.module.ts'), 'size'], { QUEUE_APP: undefined });
      expect(uncompiled.code).toBe(1);
      expect(uncompiled.stderr).toMatch(/is a TypeScript file; .*Compile first \(npm run build\), then pass the compiled module: --app dist\/app\.module\.js#AppModule/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a command against an unreachable Redis names its host:port, never its password', async () => {
    const port = await freePort();
    const result = await cli.run(['size'], { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` }, 60_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Redis is unreachable at 127.0.0.1:${port} (server "queue"): could not connect`);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });
});
