import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Abstract, INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { Bus, FailedJobs, Worker } from '../../../lib';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../../test/support/test-redis';
import { AppModule } from '../../src/app.module';
import { SAMPLE_DEFAULTS, SampleSettings } from '../../src/config/sample-settings';
import { Database } from '../../src/database/database';
import { seedDemoData } from '../../src/database/demo-data';
import { WorkOptions, workUntilSettled, WorkResult } from '../../src/run/work';

/**
 * Test workers run without the worker's heap limit (128 MB by default, measured over the whole process): a long
 * Jest run holds far more than this app.
 */
export const TEST_WORK: WorkOptions = { maxSeconds: 20, worker: { memory: 0 } };

export interface SampleTestApp {
  app: INestApplicationContext;
  settings: SampleSettings;
  bus: Bus;
  failed: FailedJobs;
  worker: Worker;
  db: Database;
  get<T>(type: Type<T> | Abstract<T>): T;
  /** Works every queue until nothing is due within `horizonSeconds` (default 5). */
  work(horizonSeconds?: number): Promise<WorkResult>;
  close(): Promise<void>;
}

/**
 * The sample application on the suite's Redis, under a key prefix of its own, with its files in a temporary
 * directory and the demo data loaded. close() closes it and removes its keys and files.
 */
export async function startSampleApp(): Promise<SampleTestApp> {
  const settings: SampleSettings = {
    ...SAMPLE_DEFAULTS,
    queueDriver: 'redis',
    redisUrl: testRedisUrl(),
    redisPrefix: uniquePrefix('sample'),
    storageDir: mkdtempSync(join(tmpdir(), 'meet2be-sample-')),
    appKey: randomBytes(32).toString('hex'),
  };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(settings)] }).compile();
  moduleRef.useLogger(['error', 'warn']);
  const app = await moduleRef.init();
  const db = app.get(Database);
  await seedDemoData(db);
  return {
    app,
    settings,
    bus: app.get(Bus),
    failed: app.get(FailedJobs),
    worker: app.get(Worker),
    db,
    get: (type) => app.get(type, { strict: false }),
    work: (horizonSeconds) => workUntilSettled(app, { ...TEST_WORK, horizonSeconds }),
    async close() {
      await app.close();
      const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 });
      await deletePrefix(redis, settings.redisPrefix);
      redis.disconnect();
      rmSync(settings.storageDir, { recursive: true, force: true });
    },
  };
}
