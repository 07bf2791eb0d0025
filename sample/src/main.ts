import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { AppModule } from './app.module';
import { SAMPLE_QUEUE_DRIVER } from './config/connections';
import { SAMPLE_DEFAULTS, SampleSettings } from './config/sample-settings';
import { seedDemoData } from './database/demo-data';
import { Database } from './database/database';
import { checkRun } from './run/checks';
import { collectSummary } from './run/collect';
import { checkExportLink } from './run/export-link-check';
import { runScenario } from './run/scenario';
import { formatSummary } from './run/summary';

/**
 * `npm run sample`: starts the Meet2Be sample on REDIS_URL, sends every example of the seed's queue guide, works
 * the queues, prints what happened, and exits 1 if anything did not happen as the seed says.
 */
async function main(): Promise<number> {
  const onDatabase = SAMPLE_QUEUE_DRIVER === 'database';
  const redisUrl = process.env.REDIS_URL ?? '';
  if (!onDatabase && !redisUrl) {
    process.stderr.write('REDIS_URL is not set. Run the sample with `npm run sample`, which starts a private redis-server (or runs on SQLite).\n');
    return 1;
  }
  const storageDir = resolve(process.env.SAMPLE_STORAGE_DIR ?? 'storage/sample');
  rmSync(storageDir, { recursive: true, force: true });
  mkdirSync(storageDir, { recursive: true });
  const settings: SampleSettings = {
    ...SAMPLE_DEFAULTS,
    queueDriver: SAMPLE_QUEUE_DRIVER,
    redisUrl,
    redisPrefix: `meet2be-sample:${randomBytes(3).toString('hex')}:`,
    storageDir,
    appKey: randomBytes(32).toString('hex'),
  };

  const started = Date.now();
  const app = await NestFactory.createApplicationContext(AppModule.register(settings), { logger: ['error', 'warn'] });
  let failures = 0;
  try {
    await seedDemoData(app.get(Database));
    const facts = await runScenario(app);
    const link = await checkExportLink(app);
    const data = await collectSummary(app, facts, link);
    const header = [
      'nestjs-queue sample: the Meet2Be "Queue & Jobs" guide, run end to end',
      onDatabase
        ? `  Queue: the database driver on SQLite (connections database and database-long), no Redis`
        : `  Redis ${redisUrl}${process.env.SAMPLE_REDIS_NOTE ? ` (${process.env.SAMPLE_REDIS_NOTE})` : ''}, key prefix ${settings.redisPrefix}`,
      onDatabase
        ? `  Files ${storageDir}: app.sqlite (the app's tables), queue.sqlite (jobs, job_batches, failed_jobs, cache, cache_locks), cache.sqlite, app/, mail/, logs/app.log`
        : `  Files ${storageDir}: app.sqlite (the app's tables), queue.sqlite (failed_jobs), app/ (the storage disk), mail/, logs/app.log`,
    ];
    for (const line of formatSummary(data, header)) process.stdout.write(`${line}\n`);

    const checks = checkRun(data);
    failures = checks.filter((c) => !c.ok).length;
    process.stdout.write(`\n── Checks: ${checks.length - failures}/${checks.length} as the seed describes ${'─'.repeat(60)}\n`);
    for (const check of checks) process.stdout.write(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.what}\n`);
  } finally {
    await app.close();
    if (!onDatabase) await deleteKeys(redisUrl, settings.redisPrefix);
  }
  const cleaned = onDatabase ? `Its files stay in ${storageDir}.` : `The sample's Redis keys (${settings.redisPrefix}*) were deleted.`;
  process.stdout.write(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. ${cleaned}\n`);
  return failures === 0 ? 0 : 1;
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

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`The sample failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
