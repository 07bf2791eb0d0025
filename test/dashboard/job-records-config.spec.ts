import { resolveQueueConfig } from '../../lib/config/resolve-config';
import { recordSettingsOf } from '../../lib/drivers/redis/job-record-keys';
import { Job } from '../../lib';

@Job({ name: 'config-quiet' })
class QuietJob {
  handle(): void {}
}

describe('horizon.records and the records settings', () => {
  it('keeps job records on by default and off with records: false', () => {
    expect(resolveQueueConfig({}).horizon.records).toBe(true);
    expect(resolveQueueConfig({ horizon: { records: false } }).horizon.records).toBe(false);
    expect(recordSettingsOf(resolveQueueConfig({ horizon: { records: false } }).horizon)).toBeNull();
  });

  it('refuses a records value that is not a boolean, naming the key', () => {
    expect(() => resolveQueueConfig({ horizon: { records: 'yes' as unknown as boolean } })).toThrow(/horizon\.records.*true, false/);
  });

  it('turns the trim minutes into milliseconds and silenced classes into their job names', () => {
    const settings = recordSettingsOf(
      resolveQueueConfig({ horizon: { trim: { completed: 0.5, failed: 2, monitored: 3, pending: 1 }, silenced: [QuietJob, 'by-name'] } }).horizon,
    );
    expect(settings?.trims).toEqual({ pending: 60000, completed: 30000, failed: 120000, monitored: 180000 });
    expect([...(settings?.silenced ?? [])]).toEqual(['config-quiet', 'by-name']);
  });
});
