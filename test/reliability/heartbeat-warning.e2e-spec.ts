import { Logger } from '@nestjs/common';
import { Job, JobContext, JobFailed, JobProcessed, JobReleasedAfterException, OnFailed } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { sleep } from '../support/test-redis';

const WARNING = /had expired before the heartbeat/;
const slowAfterwards = { ms: 0 };

/** Gives up on its own: fail(), release() or a throw; what follows the run (hooks, listeners) is slow. */
@Job({ name: 'gives-up', tries: 5 })
class GivesUp {
  handle(data: { how: 'fail' | 'release' | 'throw' }, job: JobContext): void {
    if (data.how === 'fail') job.fail(new Error('given up'));
    if (data.how === 'release') job.release(60);
    if (data.how === 'throw') throw new Error('thrown');
  }

  @OnFailed()
  async failed(): Promise<void> {
    await sleep(slowAfterwards.ms);
  }
}

describe('the heartbeat warns of a lost reservation only when it was lost', () => {
  let t: QueueTestApp;
  let warnings: string[];
  let restore: () => void;
  beforeEach(async () => {
    warnings = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
      warnings.push(String(message));
    });
    restore = () => warn.mockRestore();
    // retryAfter 1 s: the heartbeat beats every 500 ms.
    t = await createQueueApp([GivesUp], {
      connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 1 } },
    });
  });
  afterEach(async () => {
    restore();
    await t.close();
  });

  it.each([
    ['fails itself, then a slow @OnFailed and JobFailed listener', 'fail'],
    ['releases itself, then a slow JobProcessed listener', 'release'],
    ['throws and is released, then a slow JobReleasedAfterException listener', 'throw'],
  ] as const)('one worker at concurrency 1: a job that %s draws no warning', async (_label, how) => {
    slowAfterwards.ms = 1500; // three beats after the reservation was given up, while the run is still in hand
    t.events.on(JobFailed, () => sleep(1500));
    t.events.on(JobProcessed, () => sleep(1500));
    t.events.on(JobReleasedAfterException, () => sleep(1500));
    await t.bus.dispatch(GivesUp, { how });
    await t.worker.run({ once: true, sleep: 0.05, backoff: 60 });
    expect(await t.manager.connection().sizes('default')).toEqual(how === 'fail' ? { ready: 0, delayed: 0, reserved: 0 } : { ready: 0, delayed: 1, reserved: 0 });
    expect(warnings.filter((w) => WARNING.test(w))).toEqual([]);
  });

  it('still warns when a reservation in hand really was lost', async () => {
    t.events.on(JobProcessed, () => sleep(1500));
    @Job({ name: 'loses-its-reservation' })
    class LosesItsReservation {
      async handle(): Promise<void> {
        // Someone (an operator, a flush) removes the reservation while the job runs.
        await t.redis.del(`${t.prefix}queues:{default}:reserved`);
        await sleep(1500);
      }
    }
    const app = await createQueueApp([LosesItsReservation], {
      prefix: t.prefix,
      connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 1 } },
    });
    try {
      await app.bus.dispatch(LosesItsReservation, {});
      await app.worker.run({ once: true, sleep: 0.05 });
    } finally {
      await app.app.close();
    }
    expect(warnings.filter((w) => WARNING.test(w)).length).toBeGreaterThanOrEqual(1);
  });
});
