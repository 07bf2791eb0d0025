import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Bus, Job, QueueManager, QueueModule, Worker } from '../../lib';
import { BusFake } from '../../lib/testing';
import { deletePrefix, inspectRedis, testRedisUrl, uniquePrefix } from '../support/test-redis';

// The seed's "Testing Jobs" in Nest form: an app whose service dispatches a job when a user is created.

const sent: number[] = [];

@Job()
class SendWelcomeEmail {
  async handle(data: { userId: number }): Promise<void> {
    sent.push(data.userId);
  }
}

@Injectable()
class UsersService {
  private nextId = 1;
  constructor(private readonly bus: Bus) {}

  async create(name: string): Promise<{ id: number; name: string }> {
    const user = { id: this.nextId++, name };
    await this.bus.dispatch(SendWelcomeEmail, { userId: user.id });
    return user;
  }
}

const prefix = uniquePrefix('users');

@Module({
  imports: [QueueModule.forRoot({ redis: { queue: { url: testRedisUrl() }, default: { url: testRedisUrl() } }, failed: { driver: 'redis' }, prefix })],
  providers: [UsersService, SendWelcomeEmail],
})
class AppModule {}

afterAll(async () => {
  const redis = inspectRedis();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('overrideProvider(Bus).useClass(BusFake)', () => {
  it('welcome email job is dispatched when user is created', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).overrideProvider(Bus).useClass(BusFake).compile();
    await moduleRef.init();
    try {
      const user = await moduleRef.get(UsersService).create('Ada');
      const bus = moduleRef.get<BusFake>(Bus);
      bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === user.id);
      bus.assertDispatchedTimes(SendWelcomeEmail, 1);
      expect(() => bus.assertDispatched(SendWelcomeEmail, (data) => data.userId === user.id + 1)).toThrow(
        'Dispatched instead:\n  - SendWelcomeEmail {"userId":1} on redis:default',
      );
      expect(await moduleRef.get(QueueManager).connection().size('{default}')).toBe(0);
    } finally {
      await moduleRef.close();
    }
  });

  it('without the override the same service queues the job, and a worker run with once processes it', async () => {
    sent.length = 0;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await moduleRef.init();
    try {
      expect(moduleRef.get(Bus)).not.toBeInstanceOf(BusFake);
      const user = await moduleRef.get(UsersService).create('Grace');
      expect(await moduleRef.get(QueueManager).connection().size('{default}')).toBe(1);
      expect(await moduleRef.get(Worker).run({ once: true, sleep: 0, memory: 0 })).toBe('once');
      expect(sent).toEqual([user.id]);
    } finally {
      await moduleRef.close();
    }
  });
});
