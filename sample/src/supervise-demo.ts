import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Bus, HorizonState, QueueManager, SupervisorOnMaster } from '../../lib';
import { AppModule } from './app.module';
import { SAMPLE_DEFAULTS, SampleSettings } from './config/sample-settings';
import { Database } from './database/database';
import { DEMO, seedDemoData } from './database/demo-data';
import { SendWelcomeEmail } from './jobs/send-welcome-email.job';

const QUEUES = ['critical', 'high', 'default', 'low'];

/**
 * The second half of `npm run sample`: the seed's Horizon config under `supervise --environment=local` (one
 * master, the local supervisor-1 with its worker processes) for a few seconds. Sends welcome emails onto each of
 * its queues, waits until the workers have sent them, prints the supervisor table it saw, and terminates the master.
 */
async function main(): Promise<number> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    process.stderr.write('REDIS_URL is not set. Run the sample with `npm run sample`.\n');
    return 1;
  }
  const storageDir = resolve(process.env.SAMPLE_STORAGE_DIR ?? 'storage/sample', 'supervise');
  rmSync(storageDir, { recursive: true, force: true });
  mkdirSync(storageDir, { recursive: true });
  const settings: SampleSettings = {
    ...SAMPLE_DEFAULTS,
    queueDriver: 'redis',
    redisUrl,
    redisPrefix: `meet2be-supervise:${randomBytes(3).toString('hex')}:`,
    storageDir,
    appKey: randomBytes(32).toString('hex'),
  };
  const app = await NestFactory.createApplicationContext(AppModule.register(settings), { logger: ['error', 'warn'] });
  const state = HorizonState.of(app);
  let master: ReturnType<typeof spawn> | null = null;
  try {
    await seedDemoData(app.get(Database));
    master = spawn(process.execPath, [join(__dirname, 'queue-cli.js'), 'supervise', '--environment=local'], {
      env: { ...process.env, SAMPLE_SETTINGS_JSON: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let masterOutput = '';
    master.stdout?.on('data', (chunk: Buffer) => (masterOutput += chunk.toString()));

    const seen = await until(async () => {
      const supervisors = await state.supervisors();
      const live = supervisors.find((s) => s.name === 'supervisor-1');
      return live && QUEUES.every((q) => live.processes[q] >= 1) ? supervisors : undefined;
    }, 60_000, () => `the master did not start its workers:\n${masterOutput}`);

    const bus = app.get(Bus);
    let sent = 0;
    for (const queue of QUEUES) {
      for (const userId of Object.values(DEMO.users)) {
        await bus.dispatch(SendWelcomeEmail, { userId }).onQueue(queue);
        sent++;
      }
    }
    const manager = app.get(QueueManager);
    await until(async () => {
      const sizes = await Promise.all(QUEUES.map((q) => manager.connection('redis').size(q)));
      return sizes.every((n) => n === 0) ? true : undefined;
    }, 60_000, () => 'the supervised workers did not empty their queues');
    const processed = await until(async () => {
      const m = await state.metrics.jobMetrics('SendWelcomeEmail');
      return m.throughput >= sent ? m : undefined;
    }, 10_000, () => 'the workers did not record their metrics');

    for (const line of supervisorTable(seen)) process.stdout.write(`${line}\n`);
    process.stdout.write(
      `  Sent ${sent} welcome emails over ${QUEUES.join(', ')}; the supervised workers ran them ` +
        `(metrics: ${processed.throughput} SendWelcomeEmail, ${processed.runtime.toFixed(1)} ms on average).\n`,
    );
    await state.broadcast({ type: 'terminate' });
    const code = await new Promise<number | null>((done) => master?.once('exit', (c) => done(c)));
    master = null;
    process.stdout.write(`  terminate: the master finished its workers' jobs and exited with code ${code}.\n`);
    return code === 0 ? 0 : 1;
  } finally {
    if (master && master.exitCode === null) master.kill('SIGKILL');
    await app.close();
    await deleteKeys(redisUrl, settings.redisPrefix);
  }
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function supervisorTable(supervisors: SupervisorOnMaster[]): string[] {
  const rows = supervisors.map((s) => [`${s.master}:${s.name}`, s.connection, s.queues.join(','), Object.entries(s.processes).map(([q, n]) => `${q}=${n}`).join(' '), String(s.balance), s.status]);
  const headers = ['Supervisor', 'Connection', 'Queues', 'Processes', 'Balancing', 'Status'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}`;
  return [`\n── Horizon: supervise --environment=local (the seed's horizon.php) ${'─'.repeat(40)}`, line(headers), ...rows.map(line)];
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`The supervise step failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
