import { Injectable } from '@nestjs/common';
import { Job, QueueConfigError, resolveQueueConfig, Scheduled } from '../../lib';
import { createSchedulerApp } from './support/scheduler-app';

@Job()
class PruneExports {
  async handle(_data: { full?: boolean }): Promise<void> {}
}

const config = (schedule: unknown) => () => resolveQueueConfig({ schedule } as never, {});

describe('schedule config validation (QueueModule.forRoot({ schedule }))', () => {
  it('accepts entries naming the job by class or by name, defaulting the timezone to UTC and the data to {}', () => {
    const resolved = resolveQueueConfig({ schedule: [{ job: PruneExports, cron: '0 3 * * *' }, { job: 'reports.build', cron: '*/10 * * * * *', timezone: 'Europe/Amsterdam', data: { n: 1 }, queue: 'low', connection: 'sync' }] }, {});
    expect(resolved.schedule).toEqual([
      { job: PruneExports, cron: '0 3 * * *', timezone: 'UTC', data: {}, queue: undefined, connection: undefined, source: 'schedule[0]' },
      { job: 'reports.build', cron: '*/10 * * * * *', timezone: 'Europe/Amsterdam', data: { n: 1 }, queue: 'low', connection: 'sync', source: 'schedule[1]' },
    ]);
  });

  it('names the key at fault', () => {
    expect(config({ job: PruneExports })).toThrow(QueueConfigError);
    expect(config({ job: PruneExports })).toThrow(/"schedule": must be an array/);
    expect(config([42])).toThrow(/"schedule\[0\]": must be an object/);
    expect(config([{ cron: '* * * * *' }])).toThrow(/"schedule\[0\]\.job": must be a @Job class or its registered name, got nothing/);
    expect(config([{ job: PruneExports, cron: '* * * * *' }, { job: PruneExports }])).toThrow(/"schedule\[1\]\.cron": must be a cron expression/);
    expect(config([{ job: PruneExports, cron: 'every day' }])).toThrow(/"schedule\[0\]\.cron": "every day" is not a cron expression: .*five, six, or seven/);
    expect(config([{ job: PruneExports, cron: '61 * * * *' }])).toThrow(/"schedule\[0\]\.cron": .*minute/);
    expect(config([{ job: PruneExports, cron: '0 0 30 2 *' }])).toThrow(/"schedule\[0\]\.cron": "0 0 30 2 \*" never comes due/);
    expect(config([{ job: PruneExports, cron: '* * * * *', timezone: 'Mars/Olympus' }])).toThrow(/"schedule\[0\]\.timezone": "Mars\/Olympus" is not a time zone/);
    expect(config([{ job: PruneExports, cron: '* * * * *', connection: 'nope' }])).toThrow(/"schedule\[0\]\.connection": "nope" is not a configured connection \(known: .*redis.*\)/);
    expect(config([{ job: PruneExports, cron: '* * * * *', queue: '' }])).toThrow(/"schedule\[0\]\.queue": must be a non-empty string/);
    expect(config([{ job: PruneExports, cron: '* * * * *', data: { at: () => 1 } }])).toThrow(/"schedule\[0\]\.data": .*data\.at/);
    expect(config([{ job: PruneExports, cron: '* * * * *', tz: 'UTC' }])).toThrow(/"schedule\[0\]\.tz": is not a schedule option \(known: job, cron, data, timezone, queue, connection\)/);
  });
});

describe('@Scheduled validation at start-up', () => {
  it('fails start-up naming the decorator and the key', async () => {
    @Job()
    @Scheduled('* * * * *')
    @Scheduled('0 25 * * *')
    class BadHour {
      async handle(): Promise<void> {}
    }
    await expect(createSchedulerApp([BadHour])).rejects.toThrow(/"@Scheduled\(BadHour\)#2\.cron": "0 25 \* \* \*" is not a cron expression/);

    @Job()
    @Scheduled('* * * * *', { timezone: 'Europe/Atlantis' })
    class BadZone {
      async handle(): Promise<void> {}
    }
    await expect(createSchedulerApp([BadZone])).rejects.toThrow(/"@Scheduled\(BadZone\)\.timezone": "Europe\/Atlantis" is not a time zone/);
  });

  it('refuses @Scheduled on a class that is not a @Job', async () => {
    @Injectable()
    @Scheduled('* * * * *')
    class NotAJob {
      async handle(): Promise<void> {}
    }
    await expect(createSchedulerApp([NotAJob])).rejects.toThrow(/"@Scheduled\(NotAJob\)": NotAJob is not a @Job: add @Job\(\)/);
  });

  it('refuses a config entry naming a job that is not registered', async () => {
    await expect(createSchedulerApp([PruneExports], { queue: { schedule: [{ job: 'nope', cron: '* * * * *' }] } })).rejects.toThrow(
      /"schedule\[0\]\.job": "nope" is not a registered job.*known: PruneExports/,
    );
  });

  it('refuses the same schedule twice', async () => {
    @Job()
    @Scheduled('0 3 * * *', { data: { full: true } })
    class Twice {
      async handle(_d: { full: boolean }): Promise<void> {}
    }
    await expect(createSchedulerApp([Twice], { queue: { schedule: [{ job: Twice, cron: '0 3 * * *', data: { full: true } }] } })).rejects.toThrow(
      /"schedule\[0\]": schedules Twice exactly as @Scheduled\(Twice\) does/,
    );
  });
});
