import { randomUUID } from 'node:crypto';
import { BatchRepository } from '../../lib/batches/batch-repository.token';
import { useCliSuite } from './support/cli-suite';
import { QuickJob, ReportJob } from './support/dispatch-app';

describe('nestjs-queue size, clear, monitor, prune-batches', () => {
  const cli = useCliSuite();

  it('size shows ready, delayed and reserved jobs per queue; --json gives the same numbers', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 });
    await t.bus.dispatch(QuickJob, { n: 2 });
    await t.bus.dispatch(QuickJob, { n: 3 }).delay(600);
    await t.bus.dispatch(QuickJob, { n: 4 }).onQueue('high');
    const driver = t.manager.createDriver('redis');
    await driver.pop(['high'], 1); // reserved, as a worker in the middle of a job
    await driver.close();

    const table = await cli.run(['size', '--queue=priority']);
    expect(table.code).toBe(0);
    expect(table.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['Connection', 'Queue', 'Ready', 'Delayed', 'Reserved', 'Total'],
      ['redis', 'priority', '0', '0', '0', '0'],
      ['redis', 'high', '0', '0', '1', '1'],
      ['redis', 'default', '2', '1', '0', '3'],
    ]);
    const json = await cli.run(['size', 'redis', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([{ connection: 'redis', queue: 'default', ready: 2, delayed: 1, reserved: 0, total: 3 }]);
  });

  it("size and clear default to the connection's queue", async () => {
    const t = cli.app();
    await t.bus.dispatch(ReportJob, { n: 1 }).onQueue('other');
    const size = await cli.run(['size', 'other', '--json']);
    expect(JSON.parse(size.stdout)).toEqual([{ connection: 'other', queue: 'other', ready: 1, delayed: 0, reserved: 0, total: 1 }]);
    expect(await cli.run(['clear', 'other'])).toMatchObject({ code: 0, stdout: 'Cleared 1 job from the [other:other] queue.\n' });
    expect(await t.manager.connection('other').size('other')).toBe(0);
  });

  it('clear deletes ready, delayed and reserved jobs of the queues named, and no others', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 });
    await t.bus.dispatch(QuickJob, { n: 2 }).delay(600);
    await t.bus.dispatch(QuickJob, { n: 3 }).onQueue('high');
    await t.bus.dispatch(QuickJob, { n: 4 }).onQueue('high');
    await t.bus.dispatch(QuickJob, { n: 5 }).onQueue('low');
    const driver = t.manager.createDriver('redis');
    expect(await driver.pop(['high'], 1)).toHaveLength(1);
    await driver.close();
    const result = await cli.run(['clear', 'redis', '--queue=default,high']);
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'Cleared 2 jobs from the [redis:default] queue.\nCleared 2 jobs from the [redis:high] queue.\n',
    });
    const redis = t.manager.connection('redis');
    expect([await redis.size('default'), await redis.size('high'), await redis.size('low')]).toEqual([0, 0, 1]);
  });

  it('monitor prints each queue with its size and fires QueueBusy for those at or over --max', async () => {
    const t = cli.app();
    for (let n = 1; n <= 3; n++) await t.bus.dispatch(QuickJob, { n });
    await t.bus.dispatch(QuickJob, { n: 4 }).onQueue('high');
    await t.bus.dispatch(QuickJob, { n: 5 }).onQueue('high');
    const result = await cli.run(['monitor', 'redis:default,redis:high,other:other', '--max=2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => !l.startsWith('QueueBusy')).map((l) => l.replace(/ \.+ /, ' ... '))).toEqual([
      '  redis:default ... [3] ALERT',
      '  redis:high ... [2] ALERT',
      '  other:other ... [0] OK',
    ]);
    expect(lines.filter((l) => l.startsWith('QueueBusy'))).toEqual(['QueueBusy redis:default size=3', 'QueueBusy redis:high size=2']);
  });

  it('monitor takes a bare queue name as one of the default connection, and fires nothing under --max', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 });
    const result = await cli.run(['monitor', 'default']);
    expect(result.code).toBe(0);
    expect(result.stdout.replace(/ \.+ /, ' ... ')).toBe('  redis:default ... [1] OK\n');
  });

  it('prune-batches --hours deletes finished batches older than that, keeps newer and unfinished ones', async () => {
    const t = cli.app();
    const repository = t.app.get(BatchRepository);
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const create = async (createdAt: Date) => {
      const id = randomUUID();
      await repository.store({ id, name: 'import', options: {}, createdAt });
      return id;
    };
    /** Writes a batch's finish time back, in the Redis storage the fixture app uses (epoch ms, see RedisBatchRepository). */
    const finishedAt = (id: string, at: Date) => t.redis.hset(`${t.prefix}{batches}:batch:${id}`, 'finishedAt', at.getTime());
    const old = await create(hoursAgo(5));
    await repository.markAsFinished(old);
    await finishedAt(old, hoursAgo(3));
    const recent = await create(hoursAgo(5));
    await repository.markAsFinished(recent);
    await finishedAt(recent, hoursAgo(1));
    const unfinished = await create(hoursAgo(5));
    // The repository reads the times written back: one batch finished 3 hours ago, one 1 hour ago.
    expect(((await repository.find(old))?.finishedAt as Date).getTime()).toBeLessThan(hoursAgo(2).getTime());
    expect(((await repository.find(recent))?.finishedAt as Date).getTime()).toBeGreaterThan(hoursAgo(2).getTime());

    expect(await cli.run(['prune-batches', '--hours=2'])).toMatchObject({ code: 0, stdout: 'Deleted 1 finished batches older than 2 hours.\n' });
    expect(await repository.find(old)).toBeNull();
    expect(await repository.find(recent)).not.toBeNull();
    expect(await repository.find(unfinished)).not.toBeNull();

    expect(await cli.run(['prune-batches', '--hours=0'])).toMatchObject({ code: 0, stdout: 'Deleted 1 finished batches older than 0 hours.\n' });
    expect(await repository.find(recent)).toBeNull();
    expect(await repository.find(unfinished)).not.toBeNull();
  });
});
