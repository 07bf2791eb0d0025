import type { JobContext } from '../../lib';
import { Database } from '../src/database/database';
import { WithDatabaseTransaction } from '../src/middleware/with-database-transaction';
import { UserRepository } from '../src/users/user.repository';
import { JobContextDouble } from './support/job-context-double';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('WithDatabaseTransaction', () => {
  let t: SampleTestApp;
  let middleware: WithDatabaseTransaction;
  let users: UserRepository;
  const job: JobContext = new JobContextDouble('ImportUserChunk', {}, 1, 'imports');
  beforeEach(async () => {
    t = await startSampleApp();
    middleware = t.get(WithDatabaseTransaction);
    users = t.get(UserRepository);
  });
  afterEach(() => t.close());

  it('commits what the job wrote when it returns', async () => {
    let inside = false;
    await middleware.handle(job, async () => {
      inside = t.get(Database).inTransaction();
      await users.create({ name: 'Committed', email: 'committed@meet2be.test' });
    });
    expect(inside).toBe(true);
    expect(await users.findByEmail('committed@meet2be.test')).toMatchObject({ name: 'Committed' });
  });

  it('rolls back everything the job wrote, however deep, when it throws, and rethrows', async () => {
    const before = await users.count();
    await expect(
      middleware.handle(job, async () => {
        await users.create({ name: 'Rolled Back', email: 'rolled@meet2be.test' });
        await users.create({ name: 'Duplicate', email: 'ada@meet2be.test' });
      }),
    ).rejects.toHaveProperty('message', expect.stringMatching(/UNIQUE constraint failed: users\.email/));
    expect(await users.findByEmail('rolled@meet2be.test')).toBeNull();
    expect(await users.count()).toBe(before);
    expect(t.get(Database).inTransaction()).toBe(false);
  });
});
