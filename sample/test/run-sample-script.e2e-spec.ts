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

  it('without REDIS_URL and without redis-server on PATH, says how to get Redis and exits 1', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'meet2be-path-'));
    try {
      const sh = spawnSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(sh, join(bin, 'sh'));
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
      delete env.REDIS_URL;
      const { code, stdout, stderr } = await run(env);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('apt-get install redis-server');
      expect(stderr).toContain('REDIS_URL=redis://127.0.0.1:6379 npm run sample');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
