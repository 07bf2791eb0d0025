import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { Bus } from '../../lib';
import { BusFake } from '../../lib/testing';
import { testRedisUrl, uniquePrefix } from '../../test/support/test-redis';
import { AppModule } from '../src/app.module';
import { SAMPLE_DEFAULTS, SampleSettings } from '../src/config/sample-settings';
import { ProcessEventData } from '../src/jobs/process-event-data.job';
import { SendWelcomeEmail } from '../src/jobs/send-welcome-email.job';
import { UserService } from '../src/users/user.service';

/** The seed's "Unit Tests" with Queue::fake(): the sample app with its Bus replaced by BusFake. */
describe('with BusFake in place of the Bus', () => {
  let moduleRef: TestingModule;
  let storageDir: string;
  beforeEach(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'meet2be-fake-'));
    const settings: SampleSettings = {
      ...SAMPLE_DEFAULTS, queueDriver: 'redis', redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('sample-fake'), storageDir, appKey: randomBytes(32).toString('hex'),
    };
    moduleRef = await Test.createTestingModule({ imports: [AppModule.register(settings)] })
      .overrideProvider(Bus)
      .useClass(BusFake)
      .compile();
    moduleRef.useLogger(['error', 'warn']);
    await moduleRef.init();
  });
  afterEach(async () => {
    await moduleRef.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('welcome email job is dispatched when user is created', async () => {
    const user = await moduleRef.get(UserService).register('Barbara Liskov', 'barbara@meet2be.test');
    const bus = moduleRef.get<BusFake>(Bus);
    bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === user.id);
    bus.assertDispatchedTimes(SendWelcomeEmail, 1);
    bus.assertNotDispatched(ProcessEventData);
    expect(() => bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === user.id + 1)).toThrow();
  });
});
