import { Job, JobProcessed, WorkerStopping } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { deletePrefix, sleep, waitUntil } from '../support/test-redis';

const log: string[] = [];

@Job({ name: 'shutdown-slow' })
class Slow {
  async handle(data: { ms: number }): Promise<void> {
    log.push('start');
    await sleep(data.ms);
    log.push('end');
  }
}

describe('closing the application while a worker runs', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    log.length = 0;
    t = await createQueueApp([Slow]);
  });
  afterEach(async () => {
    await deletePrefix(t.redis, t.prefix);
    t.redis.disconnect();
  });

  it('app.close() lets the job in hand finish and be removed before Redis closes; no new job is taken', async () => {
    t.events.on(JobProcessed, () => void log.push('processed'));
    t.events.on(WorkerStopping, (e) => void log.push(`stopping: ${e.reason}`));
    await t.bus.dispatch(Slow, { ms: 800 });
    await t.bus.dispatch(Slow, { ms: 1 });
    const reserved = `${t.prefix}queues:{default}:reserved`;
    const run = t.worker.run({ sleep: 0.1 });
    await waitUntil(() => log.includes('start'), 'the first job to start');

    await t.app.close();
    log.push('closed');

    expect(await run).toBe('stopped');
    expect(log).toEqual(['start', 'end', 'processed', 'stopping: stopped', 'closed']);
    expect(await t.redis.zcard(reserved)).toBe(0);
    expect(await t.redis.llen(`${t.prefix}queues:{default}`)).toBe(1);
  });

  it('Worker.stop() resolves once every running loop has stopped', async () => {
    await t.bus.dispatch(Slow, { ms: 500 });
    const runs = [t.worker.run({ sleep: 0.1 }), t.worker.run({ sleep: 0.1 })];
    await waitUntil(() => log.includes('start'), 'the job to start');
    await t.worker.stop();
    log.push('stop resolved');
    expect(log).toEqual(['start', 'end', 'stop resolved']);
    expect(await Promise.all(runs)).toEqual(['stopped', 'stopped']);
    await t.app.close();
  });
});
