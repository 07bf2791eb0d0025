import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A Nest app as a new user has it: made like `nest new` makes one (package.json with build and test scripts, the
 * generated commonjs / node-resolution tsconfig, src/), with nestjs-queue installed from the tarball `npm pack`
 * made of our build. Nothing is downloaded: the tarball is unpacked into node_modules/nestjs-queue (its bin linked
 * into node_modules/.bin, as npm does), and its dependencies and the app's tools are links to this project's
 * node_modules.
 */

export const ROOT = join(__dirname, '..', '..', '..');

/** What the app gets from this project's node_modules, as `npm install` would have put it there. */
const LINKED = [
  '@nestjs/common', '@nestjs/core', '@nestjs/testing', 'reflect-metadata', 'rxjs', // the README's install line
  'knex', 'better-sqlite3', // the default failed store
  ...Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies), // nestjs-queue's own
  'typescript', 'jest', '@types/node', '@types/jest', // what `nest new` brings for build and test
];
const BINS: Record<string, string> = { tsc: 'typescript/bin/tsc', jest: 'jest/bin/jest.js' };

/** The tsconfig.json `nest new` generates (commonjs: node resolution), limited to src/. */
const NEST_NEW_TSCONFIG = {
  compilerOptions: {
    module: 'commonjs',
    declaration: true,
    removeComments: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    allowSyntheticDefaultImports: true,
    target: 'ES2023',
    sourceMap: true,
    outDir: './dist',
    baseUrl: './',
    incremental: true,
    skipLibCheck: true,
    strictNullChecks: true,
    forceConsistentCasingInFileNames: true,
    noImplicitAny: false,
    strictBindCallApply: false,
    noFallthroughCasesInSwitch: false,
  },
  include: ['src'],
};

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (bounded), never throwing: the result says how it went. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command, args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 180_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function mustRun(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export interface PackedPackage {
  work: string;
  tarball: string;
  /** The file list of the tarball, as `npm pack --json` reports it. */
  files: string[];
}

/** `node scripts/build.js --package <dir>` (the real build), then `npm pack` of that directory. */
export async function buildAndPack(): Promise<PackedPackage> {
  const work = mkdtempSync(join(tmpdir(), 'nestjs-queue-first-hour-'));
  const pkg = join(work, 'pkg');
  await mustRun(process.execPath, [join(ROOT, 'scripts', 'build.js'), '--package', pkg], { cwd: ROOT, timeoutMs: 300_000 });
  const packed = await mustRun('npm', ['pack', pkg, '--pack-destination', work, '--json', '--loglevel=error'], { cwd: work });
  const [{ filename, files }] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  return { work, tarball: join(work, filename), files: files.map((f) => f.path) };
}

/** Makes the app under `work/app` and installs the tarball into it. Returns the app's folder. */
export async function createNestApp(packed: PackedPackage): Promise<string> {
  const app = join(packed.work, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'first-hour-app',
    version: '0.0.1',
    private: true,
    license: 'UNLICENSED',
    scripts: { build: 'tsc -p tsconfig.json', test: 'jest' },
    dependencies: { 'nestjs-queue': `file:${packed.tarball}` },
    jest: { rootDir: 'dist', testRegex: '.*\\.spec\\.js$', testEnvironment: 'node' },
  }, null, 2));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(NEST_NEW_TSCONFIG, null, 2));

  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  // The tarball, unpacked as npm installs it.
  const unpack = join(packed.work, 'unpack');
  mkdirSync(unpack);
  await mustRun('tar', ['-xzf', packed.tarball, '-C', unpack], { cwd: packed.work });
  renameSync(join(unpack, 'package'), join(modules, 'nestjs-queue'));
  const bin = join(modules, 'nestjs-queue', 'dist', 'cli', 'bin.js');
  chmodSync(bin, 0o755);
  symlinkSync('../nestjs-queue/dist/cli/bin.js', join(modules, '.bin', 'nestjs-queue'));
  for (const name of LINKED) {
    const target = join(ROOT, 'node_modules', name);
    if (!existsSync(target)) throw new Error(`${name} is not installed in ${ROOT}/node_modules`);
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(target, join(modules, name), 'dir');
  }
  for (const [name, file] of Object.entries(BINS)) symlinkSync(join(ROOT, 'node_modules', file), join(modules, '.bin', name));
  return app;
}

/** A long-running command started from a shell line, as a user types it, in its own process group. */
export interface StartedCommand {
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, what: string, timeoutMs: number): Promise<void>;
  /** SIGTERM to the whole process group (npx and the node it starts); resolves with the exit. */
  stop(): Promise<CommandResult>;
}

export function startShellLine(line: string, options: { cwd: string; env: NodeJS.ProcessEnv }): StartedCommand {
  const child = spawn('/bin/sh', ['-c', line], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; notify(); });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; notify(); });
  const exited = new Promise<CommandResult>((resolve) => {
    child.on('close', (code) => { notify(); resolve({ code, stdout, stderr }); });
  });
  let ended = false;
  void exited.then(() => { ended = true; });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(pattern, what, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) finish(null);
          else if (ended) finish(new Error(`"${line}" exited before ${what}.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        };
        const timer = setTimeout(() => finish(new Error(`No ${what} within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        const finish = (error: Error | null) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (!ended && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // Gone already.
        }
        const timer = setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // Gone already.
          }
        }, 30_000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/** Every file under `dir`, relative to it. */
export function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(dir, path) : [path];
  });
}
