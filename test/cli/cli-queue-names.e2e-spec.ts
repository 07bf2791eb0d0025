import { useCliSuite } from './support/cli-suite';
import { QuickJob } from './support/dispatch-app';

describe('nestjs-queue shows a queue by one name, whichever form was written', () => {
  const cli = useCliSuite();

  it('size, pause, continue and clear take {emails} and emails as one queue and print it as emails', async () => {
    const t = cli.app();
    await t.bus.dispatch(QuickJob, { n: 1 }).onQueue('{emails}');
    await t.bus.dispatch(QuickJob, { n: 2 }).onQueue('emails');

    const size = await cli.run(['size', '--queue={emails},emails', '--json']);
    expect(JSON.parse(size.stdout)).toEqual([{ connection: 'redis', queue: 'emails', ready: 2, delayed: 0, reserved: 0, total: 2 }]);
    expect(await cli.run(['pause', 'redis:{emails}'])).toMatchObject({
      code: 0,
      stdout: 'Job processing on queue [redis:emails] has been paused.\n',
    });
    expect(await cli.run(['continue', 'redis:emails'])).toMatchObject({
      code: 0,
      stdout: 'Job processing on queue [redis:emails] has been resumed.\n',
    });
    expect(await t.redis.keys(`${t.prefix}illuminate:queue:paused:*`)).toEqual([]);
    expect(await cli.run(['clear', '--queue={emails}'])).toMatchObject({
      code: 0,
      stdout: 'Cleared 2 jobs from the [redis:emails] queue.\n',
    });
  });

  it('refuses a queue name no worker could serve, saying why', async () => {
    const result = await cli.run(['size', '--queue=high,}x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Queue name "}x" starts with "}"/);
  });
});
