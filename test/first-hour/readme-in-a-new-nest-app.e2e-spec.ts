/**
 * The first hour of a new user, end to end: the package as `npm pack` makes it, installed into an app made like
 * `nest new` makes one (commonjs, node resolution), the README's quick start and Testing snippets pasted into it
 * (taken from README.md, not copied here), compiled with tsc, and run: the README's own shell lines register a
 * user and start the worker, which processes the quick start's jobs; the BusFake test passes under `npm test`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSnippets } from '../docs/support/markdown-snippets';
import { OwnedRedis, startRedisServer } from '../support/redis-server';
import { buildAndPack, createNestApp, filesUnder, PackedPackage, ROOT, run, startShellLine } from './support/packed-app';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's ```ts block whose first line names `file`. */
function readmeFile(file: string): string {
  const found = extractSnippets('README.md', README).filter((s) => s.code.split('\n')[0].trim() === `// ${file}`);
  if (found.length !== 1) throw new Error(`README.md has ${found.length} blocks starting "// ${file}", expected one`);
  return found[0].code;
}

/** The shell lines of the quick start's ```bash block that starts the worker, comments dropped. */
function quickStartShellLines(): string[] {
  const section = README.slice(README.indexOf('## Five-minute quick start'), README.indexOf('\n## ', README.indexOf('## Five-minute quick start') + 5));
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  const block = blocks.find((b) => b.includes('nestjs-queue --app'));
  if (!block) throw new Error('The quick start has no ```bash block that starts the worker');
  return block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

const STEP_MS = 180_000;

describe('the README in a new Nest app, with the packed package', () => {
  let packed: PackedPackage;
  let app: string;
  let redis: OwnedRedis;
  let env: NodeJS.ProcessEnv;
  let lines: string[];

  beforeAll(async () => {
    lines = quickStartShellLines();
    [packed, redis] = await Promise.all([buildAndPack(), startRedisServer()]);
    app = await createNestApp(packed);
    writeFileSync(join(app, 'src', 'app.module.ts'), readmeFile('app.module.ts'));
    writeFileSync(join(app, 'src', 'register-user.ts'), readmeFile('register-user.ts'));
    writeFileSync(join(app, 'src', 'app.module.spec.ts'), readmeFile('app.module.spec.ts'));
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: redis.url,
      NO_COLOR: '1',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
  }, 420_000);

  afterAll(async () => {
    await redis?.stop();
    if (packed) rmSync(packed.work, { recursive: true, force: true });
  });

  it('ships a LICENSE and the README, and no source map pointing at sources it does not ship', () => {
    expect(packed.files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/testing/index.d.ts', 'dist/cli/bin.js']));
    expect(packed.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(packed.files.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(f))).toEqual([]);
    const installed = join(app, 'node_modules', 'nestjs-queue');
    const pointing = filesUnder(installed, 'dist').filter((f) => f.endsWith('.js') && readFileSync(join(installed, f), 'utf8').includes('sourceMappingURL'));
    expect(pointing).toEqual([]);
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it("compiles the quick start and the Testing snippet with the README's build line under the nest new tsconfig", async () => {
    expect(lines[0]).toBe('npm run build');
    const build = await run('/bin/sh', ['-c', lines[0]], { cwd: app, env, timeoutMs: STEP_MS });
    expect({ code: build.code, output: build.stdout + build.stderr }).toMatchObject({ code: 0 });
  }, STEP_MS);

  it('also compiles them under module/moduleResolution nodenext (the other tsconfig Nest generates), through exports', async () => {
    writeFileSync(join(app, 'tsconfig.nodenext.json'), JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, incremental: false },
    }));
    const check = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.nodenext.json'], { cwd: app, env, timeoutMs: STEP_MS });
    expect({ code: check.code, output: check.stdout + check.stderr }).toEqual({ code: 0, output: '' });
  }, STEP_MS);

  it("processes the quick start's jobs with the worker started exactly as the README shows, which says what it watches", async () => {
    const [, register, work] = lines;
    expect(register).toMatch(/^node dist\//);
    expect(work).toMatch(/^npx nestjs-queue --app dist\/app\.module\.js#AppModule work /);
    const registered = await run('/bin/sh', ['-c', register], { cwd: app, env, timeoutMs: STEP_MS });
    expect({ code: registered.code, stderr: registered.stderr }).toEqual({ code: 0, stderr: '' });
    expect(registered.stdout).toMatch(/Queued welcome email [0-9a-f-]{36}/);

    const worker = startShellLine(work, { cwd: app, env });
    try {
      // Both jobs: the one on 'emails' at once, the one on 'high' after its 5 s delay.
      await worker.waitFor(/(SendWelcomeEmail \.+ \S+ DONE[\s\S]*){2}/, 'two DONE lines for SendWelcomeEmail', 120_000);
    } finally {
      const result = await worker.stop();
      expect(result.stderr).not.toMatch(/error/i);
    }
    const out = worker.stdout().split('\n');
    expect(out[0]).toBe(
      `  INFO  Processing jobs from connection redis (Redis 127.0.0.1:${redis.port}), queues high, emails, default (in this order); ` +
        `concurrency 1, tries 3, timeout 60s; failed jobs: database "sqlite" (${join(app, 'storage', 'queue.sqlite')}, table failed_jobs).`,
    );
    expect(out.filter((l) => l === 'Sending the welcome email to user 1')).toHaveLength(2);
    expect(out.filter((l) => / SendWelcomeEmail \.+ RUNNING$/.test(l))).toHaveLength(2);
  }, 300_000);

  it("finds the app's SQLite failed store from another folder, and names its absolute path when it is empty", async () => {
    const bin = join(app, 'node_modules', '.bin', 'nestjs-queue');
    const result = await run(bin, ['--app', join(app, 'dist', 'app.module.js#AppModule'), 'failed'], { cwd: packed.work, env, timeoutMs: STEP_MS });
    expect(result).toEqual({
      code: 0,
      stdout: `No failed jobs found in database "sqlite" (${join(app, 'storage', 'queue.sqlite')}, table failed_jobs).\n`,
      stderr: '',
    });
  }, STEP_MS);

  it('passes the Testing snippet (BusFake from nestjs-queue/testing) under npm test', async () => {
    const result = await run('npm', ['test', '--', '--ci'], { cwd: app, env, timeoutMs: STEP_MS });
    expect({ code: result.code, output: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stderr).toMatch(/✓ queues the welcome email/);
    expect(result.stderr).toMatch(/Tests:\s+1 passed, 1 total/);
  }, STEP_MS);
});
