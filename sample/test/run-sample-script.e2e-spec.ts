import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts', 'run-sample.js');

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run sample (scripts/run-sample.js)', () => {
  it('compiles the sample, starts a private redis-server, runs it and exits 0 with every check ok', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'meet2be-run-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, SAMPLE_STORAGE_DIR: storage };
      delete env.REDIS_URL;
      const { code, stdout, stderr } = await run(env);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/Redis redis:\/\/127\.0\.0\.1:\d+ \(a private redis-server started for this run\)/);
      expect(stdout).toMatch(/── Checks: (\d+)\/\1 as the seed describes/);
      expect(stdout).not.toContain('FAIL');
      expect(stdout).toMatch(/Done in \d+\.\d s\./);
      // Then the seed's horizon.php under supervise --environment=local: the table it saw, the jobs run, a clean stop.
      expect(stdout).toMatch(/supervisor-1\s+redis\s+critical,high,default,low\s+critical=1 high=1 default=1 low=1\s+simple\s+running/);
      expect(stdout).toMatch(/Sent 12 welcome emails .* the supervised workers ran them \(metrics: 12 SendWelcomeEmail/);
      expect(stdout).toMatch(/terminate: the master finished its workers' jobs and exited with code 0\./);
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
  }, 240_000);

  it('without REDIS_URL and without redis-server on PATH, runs the whole sample on SQLite, says so in one line and exits 0', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'meet2be-path-'));
    const storage = mkdtempSync(join(tmpdir(), 'meet2be-sqlite-run-'));
    try {
      const sh = spawnSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(sh, join(bin, 'sh'));
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, SAMPLE_STORAGE_DIR: storage };
      delete env.REDIS_URL;
      const { code, stdout, stderr } = await run(env);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const notes = stdout.split('\n').filter((line) => line.includes('SQLite') && line.includes('redis-server'));
      expect(notes).toEqual(['No REDIS_URL and no redis-server on PATH: running the whole sample on SQLite (the database queue driver); the Horizon part needs Redis and is skipped.']);
      expect(stdout).toContain('Queue: the database driver on SQLite (connections database and database-long), no Redis');
      expect(stdout).toMatch(/── Checks: (\d+)\/\1 as the seed describes/);
      expect(stdout).not.toContain('FAIL');
      expect(stdout).toMatch(/database-long:processing\s+ProcessEventData/);
      expect(stdout).not.toContain('supervisor-1');
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(storage, { recursive: true, force: true });
    }
  }, 240_000);
});
